package dev.spindle.host.internal.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;


/**
 * The routing table: immutable, rebuilt on every registration change and swapped atomically.
 * Candidates for a path are tried in this order: the exact route, then prefixes from the longest;
 * within a route by {@code service.ranking} (highest first), then {@code service.id} (lowest
 * first). The first candidate that accepts the method serves; if some route matched but none
 * accepts the method, the answer is 405. WebSocket handlers and upgrade handlers have a table of
 * their own each beside it, by the same rules (an upgrade handler's protocols stand for methods),
 * which only upgrade requests look at.
 */
final class RouteTable implements HandlerResolver {

    static final RouteTable EMPTY = new RouteTable(List.of());

    /** Routing order within one route. */
    static final Comparator<Registration> PRECEDENCE = Comparator
            .comparingInt((Registration r) -> -r.ranking)
            .thenComparingLong(r -> r.serviceId);

    private final Map<String, Registration[]> exact = new HashMap<>();
    private final List<Map.Entry<String, Registration[]>> prefixes = new ArrayList<>();
    private final List<Registration> ordered = new ArrayList<>();
    /** The WebSocket and upgrade handlers' tables; {@code null} in those tables themselves. */
    private final RouteTable webSockets;
    private final RouteTable upgrades;

    /** The canaries sharing routes, for the views (requests reach a split through its stable registration's stand-in). */
    private final List<CanarySplit> splits = new ArrayList<>();

    RouteTable(Collection<Registration> registrations) {
        this(registrations, Map.of());
    }

    /** @param canaries how the canary bundles, by bundle id, share their routes */
    RouteTable(Collection<Registration> registrations, Map<Long, Canary> canaries) {
        this(registrations, Registration.Kind.HTTP, canaries);
    }

    private RouteTable(Collection<Registration> registrations, Registration.Kind kind, Map<Long, Canary> canaries) {
        boolean http = kind == Registration.Kind.HTTP;
        this.webSockets = http ? new RouteTable(registrations, Registration.Kind.WEBSOCKET, Map.of()) : null;
        this.upgrades = http ? new RouteTable(registrations, Registration.Kind.UPGRADE, Map.of()) : null;
        Map<String, List<Registration>> byRoute = new HashMap<>();
        for (Registration r : registrations) {
            if (r.valid() && r.kind == kind) {
                byRoute.computeIfAbsent(r.route, k -> new ArrayList<>()).add(r);
            }
        }
        List<String> routes = new ArrayList<>(byRoute.keySet());
        // exact routes first, then prefixes longest first; by name for a stable listing
        routes.sort(Comparator.comparing((String route) -> route.endsWith("/*"))
                .thenComparing(route -> -route.length())
                .thenComparing(Comparator.naturalOrder()));
        for (String route : routes) {
            List<Registration> list = byRoute.get(route);
            list.sort(PRECEDENCE);
            ordered.addAll(list);
            if (!canaries.isEmpty()) {
                list = splitCanary(list, canaries, splits);
            }
            Registration[] candidates = list.toArray(new Registration[0]);
            if (candidates[0].prefix == null) {
                exact.put(route, candidates);
            } else {
                prefixes.add(Map.entry(candidates[0].prefix, candidates));
            }
        }

    }

    /**
     * A route's candidates with a canary: its registration leaves them, and the first registration
     * of another bundle of its symbolic name (the stable version) shares its requests with it: a
     * stand-in for it answering with the split takes its place, so that routing reads nothing more.
     * A canary without a stable version left (promoted, or the stable one went away) is an
     * ordinary candidate.
     */
    private static List<Registration> splitCanary(List<Registration> list, Map<Long, Canary> canaries,
            List<CanarySplit> splits) {
        for (Registration canary : list) {
            Canary routing = canaries.get(canary.bundleId);
            if (routing == null) {
                continue;
            }
            for (Registration stable : list) {
                if (stable.bundleId != canary.bundleId && !canaries.containsKey(stable.bundleId)
                        && stable.bundleSymbolicName.equals(canary.bundleSymbolicName)) {
                    CanarySplit split = new CanarySplit(stable, canary, routing);
                    splits.add(split);
                    List<Registration> rest = new ArrayList<>(list);
                    rest.remove(canary);
                    rest.set(rest.indexOf(stable), stable.splitBy(split));
                    return rest;
                }
            }
        }
        return list;
    }

    /** The canaries sharing routes now. */
    List<CanarySplit> splits() {
        return List.copyOf(splits);
    }

    /** The split whose canary {@code r} is, or null. */
    CanarySplit canaryOf(Registration r) {
        for (CanarySplit s : splits) {
            if (s.canaryRegistration() == r) {
                return s;
            }
        }
        return null;
    }

    @Override
    public Resolution resolve(String method, String path) {
        Registration[] candidates = exact.get(path);
        Set<String> allowed = null;
        if (candidates != null) {
            Registration hit = pick(candidates, method);
            if (hit != null) {
                return hit.resolution;
            }
            allowed = addMethods(null, candidates);
        }
        for (Map.Entry<String, Registration[]> prefix : prefixes) {
            Registration[] list = prefix.getValue();
            if (list[0].matches(path)) {
                Registration hit = pick(list, method);
                if (hit != null) {
                    return hit.resolution;
                }
                allowed = addMethods(allowed, list);
            }
        }
        return allowed == null ? Resolution.notFound() : Resolution.methodNotAllowed(String.join(", ", allowed));
    }

    @Override
    public Resolution resolveWebSocket(String path) {
        Resolution r = webSockets.resolve("GET", path);
        return r.target() == null ? Resolution.notFound() : r;
    }

    @Override
    public Resolution resolveUpgrade(String path, String protocol) {
        Resolution r = upgrades.resolve(protocol.toUpperCase(java.util.Locale.ROOT), path);
        return r.target() == null ? Resolution.notFound() : r;
    }

    private static Registration pick(Registration[] candidates, String method) {
        for (Registration r : candidates) {
            if (r.accepts(method)) {
                return r;
            }
        }
        return null;
    }

    private static Set<String> addMethods(Set<String> allowed, Registration[] candidates) {
        Set<String> out = allowed == null ? new LinkedHashSet<>() : allowed;
        for (Registration r : candidates) {
            out.addAll(r.methods);
        }
        return out;
    }

    /** The valid registrations in routing order: HTTP handlers, then WebSocket handlers, then upgrade handlers. */
    List<Registration> ordered() {
        if (webSockets == null || webSockets.ordered.isEmpty() && upgrades.ordered.isEmpty()) {
            return ordered;
        }
        List<Registration> all = new ArrayList<>(ordered);
        all.addAll(webSockets.ordered);
        all.addAll(upgrades.ordered);
        return all;
    }

    /**
     * Which registration shadows {@code r}: an earlier one on the same route that accepts every
     * method {@code r} accepts. {@code null} if {@code r} serves at least some requests.
     */
    Registration shadowing(Registration r) {
        if (r.kind != Registration.Kind.HTTP && webSockets != null) {
            return (r.webSocket ? webSockets : upgrades).shadowing(r);
        }
        if (canaryOf(r) != null) {
            return null;
        }
        for (Registration other : ordered) {
            if (other == r) {
                return null;
            }
            if (other.route.equals(r.route)
                    && (other.methods.isEmpty() || (!r.methods.isEmpty() && other.methods.containsAll(r.methods)))) {
                return other;
            }
        }
        return null;
    }
}
