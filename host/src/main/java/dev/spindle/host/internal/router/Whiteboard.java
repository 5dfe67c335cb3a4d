package dev.spindle.host.internal.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpServer;
import dev.spindle.api.Outcome;

/**
 * The handler whiteboard: registrations keyed by {@code service.id} (after their kind's prefix,
 * see {@link Registration#key}), and the routing table built from them. Changes are serialized and publish a new immutable {@link RouteTable}; lookups read
 * the current table without locking.
 */
public final class Whiteboard implements HandlerResolver {

    private static final Logger LOG = LoggerFactory.getLogger(Whiteboard.class);

    private final Map<String, Registration> registrations = new LinkedHashMap<>();
    /** Removed handlers whose running requests are finishing. */
    private final Map<String, Registration> draining = new LinkedHashMap<>();
    /**
     * Routes whose last handler went away, with when (nanoTime): requests wait for a replacement.
     * A WebSocket or upgrade route's key starts with its kind's prefix, which no request path matches.
     */
    private final Map<String, Long> vacated = new HashMap<>();
    private List<Runnable> waiting = new ArrayList<>();
    private volatile RouteTable table = RouteTable.EMPTY;
    /** How canary bundles share their routes, by bundle id; see {@link #canary}. */
    private final Map<Long, Canary> canaries = new HashMap<>();
    private final DeployEvents events = new DeployEvents();
    private volatile boolean anyVacated;
    private volatile long graceNanos = TimeUnit.SECONDS.toNanos(10);
    private volatile long drainMillis = 10_000;
    private volatile BooleanSupplier onEventLoop = () -> false;
    private volatile Consumer<RouteTarget> expire = t -> { };

    /** After a drain ran out, how long the requests ended then may take to be gone. */
    private static final long EXPIRY_MILLIS = 1000;

    /**
     * @param graceMillis how long requests for a route that lost its handler wait for a new one
     * @param drainMillis how long a removed handler's running requests may take to finish
     */
    public void timeouts(long graceMillis, long drainMillis) {
        this.graceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
        this.drainMillis = drainMillis;
    }

    /**
     * What the whiteboard needs of the engine that serves its routes.
     *
     * @param onEventLoop whether the calling thread is an event loop (which must not wait for a drain)
     * @param expire ends what a removed handler still serves once its drain ran out
     */
    public void engine(BooleanSupplier onEventLoop, Consumer<RouteTarget> expire) {
        this.onEventLoop = onEventLoop;
        this.expire = expire;
    }

    @Override
    public Resolution resolve(String method, String path) {
        Resolution r = table.resolve(method, path);
        if (r.target() == null && r.allow() == null && anyVacated) {
            Long until = vacancy(path);
            if (until != null) {
                return Resolution.pending(until);
            }
            // the replacement may have come between the lookup and the vacancy check (it ends
            // the vacancy and publishes its table under the same lock): look again
            return table.resolve(method, path);
        }
        return r;
    }

    @Override
    public Resolution resolveWebSocket(String path) {
        Resolution r = table.resolveWebSocket(path);
        if (r.target() == null && anyVacated) {
            Long until = vacancy(Registration.Kind.WEBSOCKET.prefix + path);
            return until != null ? Resolution.pending(until) : table.resolveWebSocket(path);
        }
        return r;
    }

    @Override
    public Resolution resolveUpgrade(String path, String protocol) {
        Resolution r = table.resolveUpgrade(path, protocol);
        if (r.target() == null && anyVacated) {
            Long until = vacancy(Registration.Kind.UPGRADE.prefix + path);
            return until != null ? Resolution.pending(until) : table.resolveUpgrade(path, protocol);
        }
        return r;
    }

    /** The key of {@code r}'s route in {@link #vacated}. */
    private static String vacancyKey(Registration r) {
        return r.kind.prefix + r.route;
    }

    /** Whether another valid registration of {@code r}'s kind serves {@code r}'s route. */
    private boolean served(String key) {
        return registrations.values().stream().anyMatch(o -> o.valid() && vacancyKey(o).equals(key));
    }

    /** Until when a request for {@code path} should wait for its route to come back, or null. */
    private synchronized Long vacancy(String path) {
        long now = System.nanoTime();
        Long until = null;
        for (Iterator<Map.Entry<String, Long>> it = vacated.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Long> e = it.next();
            long end = e.getValue() + graceNanos;
            if (end - now <= 0) {
                it.remove();
            } else if (until == null && Registration.matches(e.getKey(), path)) {
                until = end;
            }
        }
        anyVacated = !vacated.isEmpty();
        return until;
    }

    /**
     * The routes served now or waiting for a replacement: what a host handing over to its next
     * instance (a refresh) tells it to expect.
     */
    public synchronized List<String> routes() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(vacated.keySet());
        registrations.values().stream().filter(Registration::valid).forEach(r -> out.add(vacancyKey(r)));
        return List.copyOf(out);
    }

    /**
     * Routes whose handlers are on their way (this host started in a refresh that restarts them
     * too): until they come back, requests for them wait up to the grace, as during an update.
     */
    public synchronized void expect(List<String> routes) {
        long now = System.nanoTime();
        for (String route : routes) {
            if (!served(route)) {
                vacated.put(route, now);
                anyVacated = true;
            }
        }
    }

    @Override
    public synchronized void onNextChange(Runnable callback) {
        waiting.add(callback);
    }

    public void add(Registration r) {
        List<Runnable> wake;
        synchronized (this) {
            Registration before = registrations.put(r.key(), r);
            events.happened(r.valid() ? DeployEvents.Kind.REGISTERED : DeployEvents.Kind.FAILED, r.route, r.serviceId,
                    r.bundleSymbolicName);
            if (!r.valid()) {
                LOG.warn("Handler service {} from {} is not served: {}", r.serviceId, r.bundleSymbolicName, r.failure);
            } else if (before == null) {
                LOG.info("{} service {} from {} serves {}", r.webSocket ? "WebSocket handler"
                        : r.kind == Registration.Kind.UPGRADE ? "Upgrade handler" : "Handler",
                        r.serviceId, r.bundleSymbolicName, r.route);
                vacated.remove(vacancyKey(r));
            }
            wake = publish();
        }
        wakeAll(wake);
    }

    /** {@link #remove(long, boolean)} for an update: the route waits for the replacement. */
    public void remove(long serviceId) {
        remove(serviceId, false);
    }

    /**
     * Stops routing to the handler at once, then waits (bounded by the drain timeout) until the
     * requests it is serving finish, so that its bundle stops only when it is idle. What still
     * runs when the drain timeout is over is ended ({@link Outcome#HANDLER_REMOVED}: a 503 if
     * nothing was sent, else cut off, the connection closed), so that nothing runs against a
     * deactivated component. On an event loop, which must never wait, the drain runs on a thread
     * of its own and this returns at once.
     *
     * @param removal the handler's bundle is being uninstalled or stopped by the operator: its
     *        route answers 404 at once. Otherwise (an update, a refresh, a component coming back)
     *        requests for a route left without a handler wait up to the grace for the replacement.
     */
    public void remove(long serviceId, boolean removal) {
        removeKey(Registration.Kind.HTTP.prefix + serviceId, removal);
    }

    /**
     * {@link #remove(long, boolean)} for a WebSocket handler: new upgrades go to the route's next
     * handler at once; the sockets open on this one stay until they close, at most the drain
     * timeout, then are closed with 1001 (by the engine's {@code expire}).
     */
    public void removeWebSocket(long serviceId, boolean removal) {
        removeKey(Registration.Kind.WEBSOCKET.prefix + serviceId, removal);
    }

    /** {@link #remove(long, boolean)} for an upgrade handler: its sockets are closed when the drain runs out. */
    public void removeUpgrade(long serviceId, boolean removal) {
        removeKey(Registration.Kind.UPGRADE.prefix + serviceId, removal);
    }

    private void removeKey(String key, boolean removal) {
        Registration r;
        List<Runnable> wake;
        synchronized (this) {
            r = registrations.remove(key);
            if (r == null) {
                return;
            }
            events.happened(DeployEvents.Kind.UNREGISTERED, r.route, r.serviceId, r.bundleSymbolicName);
            if (!removal && r.valid() && !served(vacancyKey(r))) {
                vacated.put(vacancyKey(r), System.nanoTime());
                anyVacated = true;
            }
            wake = publish();
            if (r.target != null) {
                draining.put(key, r);
            }
        }
        wakeAll(wake);
        if (r.target == null) {
            return;
        }
        if (onEventLoop.getAsBoolean()) {
            Thread t = new Thread(() -> drain(r), "spindle-drain-" + r.serviceId);
            t.setDaemon(true);
            t.start();
        } else {
            drain(r);
        }
    }

    private void drain(Registration r) {
        long started = System.nanoTime();
        try {
            long left = r.target.drain(drainMillis);
            boolean cut = left > 0;
            if (cut) {
                LOG.warn("Handler service {} from {} still serves {} {} on {} after {} ms: ending them ({})",
                        r.serviceId, r.bundleSymbolicName, left, r.kind == Registration.Kind.HTTP ? "request(s)"
                        : "socket(s)", r.route, drainMillis, r.webSocket ? "close 1001" : Outcome.HANDLER_REMOVED);
                expire.accept(r.target);
                left = r.target.drain(EXPIRY_MILLIS);
            }
            long tookNanos = System.nanoTime() - started;
            events.drained(tookNanos, cut, r.route, r.serviceId, r.bundleSymbolicName);
            long took = TimeUnit.NANOSECONDS.toMillis(tookNanos);
            if (left > 0) {
                LOG.warn("Handler service {} from {} removed from {} with {} request(s) still running after {} ms",
                        r.serviceId, r.bundleSymbolicName, r.route, left, took);
            } else {
                LOG.info("Handler service {} from {} removed from {} (drained in {} ms)", r.serviceId,
                        r.bundleSymbolicName, r.route, took);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                draining.remove(r.key());
            }
        }
    }

    /**
     * Wakes requests waiting for a routing change. A waiter whose event loop has shut down (its
     * engine stopped meanwhile) is dropped: its connection is gone, and the caller (a service
     * being unregistered) must not fail for it.
     */
    private static void wakeAll(List<Runnable> wake) {
        for (Runnable w : wake) {
            try {
                w.run();
            } catch (RejectedExecutionException e) {
                LOG.debug("A request waiting for its route is gone with its event loop");
            }
        }
    }

    /** Swaps in a new table; returns the waiters to wake (outside the lock). */
    private List<Runnable> publish() {
        table = new RouteTable(registrations.values(), canaries.isEmpty() ? Map.of() : Map.copyOf(canaries));
        List<Runnable> wake = waiting;
        waiting = new ArrayList<>();
        return wake;
    }

    /**
     * Declares bundle {@code bundleId} a canary routed as {@code routing} (before it starts, so
     * that its handlers share their routes from their first request), or changes its weight;
     * {@code null} ends the declaration (after the canary went, or once it is the only version).
     */
    public void canary(long bundleId, Canary routing) {
        List<Runnable> wake;
        synchronized (this) {
            if (routing == null ? canaries.remove(bundleId) == null : routing.equals(canaries.put(bundleId, routing))) {
                return;
            }
            wake = publish();
        }
        wakeAll(wake);
    }

    /** The routes a canary shares with its stable version now. */
    public List<CanarySplit> splits() {
        return table.splits();
    }

    /** What happened to registrations since start, for the metrics. */
    public DeployEvents events() {
        return events;
    }

    /** Routes whose last handler went away within the grace: their requests wait for a replacement. */
    public synchronized List<String> vacantRoutes() {
        long now = System.nanoTime();
        return vacated.entrySet().stream().filter(e -> e.getValue() + graceNanos - now > 0)
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** The routing targets of the valid and the draining registrations, by service id. */
    public synchronized Map<Long, RouteTarget> targets() {
        Map<Long, RouteTarget> out = new HashMap<>();
        registrations.values().stream().filter(r -> r.target != null).forEach(r -> out.put(r.serviceId, r.target));
        draining.values().forEach(r -> out.put(r.serviceId, r.target));
        return out;
    }

    /** Every registration: valid ones in routing order, then draining ones, then failed ones by service id. */
    public synchronized List<HttpServer.HandlerRegistration> describe() {
        RouteTable t = table;
        List<HttpServer.HandlerRegistration> out = new ArrayList<>();
        for (Registration r : t.ordered()) {
            CanarySplit split = t.canaryOf(r);
            Registration shadow = t.shadowing(r);
            out.add(split != null ? view(r, "CANARY", split.percent() + " % of the requests")
                    : view(r, shadow == null ? "ACTIVE" : "SHADOWED", shadow == null ? null : "shadowed by service " + shadow.serviceId));
        }
        draining.values().forEach(r -> out.add(view(r, "DRAINING", r.target.inFlight() + " request(s) in flight")));
        registrations.values().stream()
                .filter(r -> !r.valid())
                .sorted(Comparator.comparingLong(r -> r.serviceId))
                .forEach(r -> out.add(view(r, "FAILED", r.failure)));
        return List.copyOf(out);
    }

    private static HttpServer.HandlerRegistration view(Registration r, String state, String reason) {
        return new RegistrationView(r, state, reason);
    }

    /** Which handler {@code method path} reaches, and why. */
    public HttpServer.RouteMatch match(String method, String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        Resolution r = resolve(method, p);
        if (r.isPending()) {
            return new RegistrationView.Match(null, 503, "the route of " + p + " lost its handler moments ago: requests wait for a"
                    + " replacement, then get 503");
        }
        if (r.target() == null) {
            return r.allow() != null
                    ? new RegistrationView.Match(null, 405, "routes match " + p + " but none accepts " + method + " (allowed: "
                            + r.allow() + ")")
                    : new RegistrationView.Match(null, 404, "no route matches " + p);
        }
        long id = r.target().serviceId();
        List<HttpServer.HandlerRegistration> all = describe();
        for (HttpServer.HandlerRegistration h : all) {
            if (h.serviceId() == id) {
                String kind = h.route().endsWith("/*") ? "the longest prefix route matching " + p : "the exact route " + p;
                long rivals = all.stream().filter(o -> h.route().equals(o.route())
                        && ("ACTIVE".equals(o.state()) || "SHADOWED".equals(o.state()))).count() - 1;
                return new RegistrationView.Match(h, 0, h.route() + " is " + kind + "; service " + id + " serves it"
                        + (rivals > 0 ? " ahead of " + rivals + " other handler(s) by service.ranking, then service.id"
                                : "") + (h.methods().isEmpty() ? "" : ", accepting " + String.join(", ", h.methods())));
            }
        }
        return new RegistrationView.Match(null, 404, "no route matches " + p);
    }
}
