package dev.spindle.host.internal.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpServer;

/**
 * The handler whiteboard: registrations keyed by {@code service.id}, and the routing table built
 * from them. Changes are serialized and publish a new immutable {@link RouteTable}; lookups read
 * the current table without locking.
 */
public final class Whiteboard implements HandlerResolver {

    private static final Logger LOG = LoggerFactory.getLogger(Whiteboard.class);

    private final Map<Long, Registration> registrations = new LinkedHashMap<>();
    /** Removed handlers whose running requests are finishing. */
    private final Map<Long, Registration> draining = new LinkedHashMap<>();
    /** Routes whose last handler went away, with when (nanoTime): requests wait for a replacement. */
    private final Map<String, Long> vacated = new HashMap<>();
    private List<Runnable> waiting = new ArrayList<>();
    private volatile RouteTable table = RouteTable.EMPTY;
    private volatile boolean anyVacated;
    private volatile long graceNanos = TimeUnit.SECONDS.toNanos(10);
    private volatile long drainMillis = 10_000;

    /**
     * @param graceMillis how long requests for a route that lost its handler wait for a new one
     * @param drainMillis how long a removed handler's running requests may take to finish
     */
    public void timeouts(long graceMillis, long drainMillis) {
        this.graceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
        this.drainMillis = drainMillis;
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

    @Override
    public synchronized void onNextChange(Runnable callback) {
        waiting.add(callback);
    }

    public void add(Registration r) {
        List<Runnable> wake;
        synchronized (this) {
            Registration before = registrations.put(r.serviceId, r);
            if (!r.valid()) {
                LOG.warn("Handler service {} from {} is not served: {}", r.serviceId, r.bundleSymbolicName, r.failure);
            } else if (before == null) {
                LOG.info("Handler service {} from {} serves {}", r.serviceId, r.bundleSymbolicName, r.route);
                vacated.remove(r.route);
            }
            wake = publish();
        }
        wake.forEach(Runnable::run);
    }

    /**
     * Stops routing to the handler at once, then waits (bounded by the drain timeout) until the
     * requests it is serving finish, so that its bundle stops only when it is idle.
     */
    public void remove(long serviceId) {
        Registration r;
        List<Runnable> wake;
        synchronized (this) {
            r = registrations.remove(serviceId);
            if (r == null) {
                return;
            }
            if (r.valid() && registrations.values().stream().noneMatch(o -> o.valid() && o.route.equals(r.route))) {
                vacated.put(r.route, System.nanoTime());
                anyVacated = true;
            }
            wake = publish();
            if (r.target != null) {
                draining.put(serviceId, r);
            }
        }
        wake.forEach(Runnable::run);
        if (r.target == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            long left;
            try {
                left = r.target.drain(drainMillis);
            } finally {
                synchronized (this) {
                    draining.remove(serviceId);
                }
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (left > 0) {
                LOG.warn("Handler service {} from {} removed from {} with {} request(s) still running after {} ms",
                        serviceId, r.bundleSymbolicName, r.route, left, took);
            } else {
                LOG.info("Handler service {} from {} removed from {} (drained in {} ms)", serviceId,
                        r.bundleSymbolicName, r.route, took);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Swaps in a new table; returns the waiters to wake (outside the lock). */
    private List<Runnable> publish() {
        table = new RouteTable(registrations.values());
        List<Runnable> wake = waiting;
        waiting = new ArrayList<>();
        return wake;
    }

    /** Every registration: valid ones in routing order, then draining ones, then failed ones by service id. */
    public synchronized List<HttpServer.HandlerRegistration> describe() {
        RouteTable t = table;
        List<HttpServer.HandlerRegistration> out = new ArrayList<>();
        for (Registration r : t.ordered()) {
            Registration shadow = t.shadowing(r);
            out.add(view(r, shadow == null ? "ACTIVE" : "SHADOWED",
                    shadow == null ? null : "shadowed by service " + shadow.serviceId));
        }
        draining.values().forEach(r -> out.add(view(r, "DRAINING", r.target.inFlight() + " request(s) in flight")));
        registrations.values().stream()
                .filter(r -> !r.valid())
                .sorted(Comparator.comparingLong(r -> r.serviceId))
                .forEach(r -> out.add(view(r, "FAILED", r.failure)));
        return List.copyOf(out);
    }

    private static HttpServer.HandlerRegistration view(Registration r, String state, String reason) {
        return new View(r, state, reason);
    }

    /** Which handler {@code method path} reaches, and why. */
    public HttpServer.RouteMatch match(String method, String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        Resolution r = resolve(method, p);
        if (r.isPending()) {
            return new Match(null, 503, "the route of " + p + " lost its handler moments ago: requests wait for a"
                    + " replacement, then get 503");
        }
        if (r.target() == null) {
            return r.allow() != null
                    ? new Match(null, 405, "routes match " + p + " but none accepts " + method + " (allowed: "
                            + r.allow() + ")")
                    : new Match(null, 404, "no route matches " + p);
        }
        long id = r.target().serviceId();
        List<HttpServer.HandlerRegistration> all = describe();
        for (HttpServer.HandlerRegistration h : all) {
            if (h.serviceId() == id) {
                String kind = h.route().endsWith("/*") ? "the longest prefix route matching " + p : "the exact route " + p;
                long rivals = all.stream().filter(o -> h.route().equals(o.route())
                        && ("ACTIVE".equals(o.state()) || "SHADOWED".equals(o.state()))).count() - 1;
                return new Match(h, 0, h.route() + " is " + kind + "; service " + id + " serves it"
                        + (rivals > 0 ? " ahead of " + rivals + " other handler(s) by service.ranking, then service.id"
                                : "") + (h.methods().isEmpty() ? "" : ", accepting " + String.join(", ", h.methods())));
            }
        }
        return new Match(null, 404, "no route matches " + p);
    }

    private record Match(HttpServer.HandlerRegistration handler, int status, String reason)
            implements HttpServer.RouteMatch {
    }

    /** A registration as {@link HttpServer} shows it, with live counters. */
    private static final class View implements HttpServer.HandlerRegistration {
        private final Registration r;
        private final String state;
        private final String reason;

        View(Registration r, String state, String reason) {
            this.r = r;
            this.state = state;
            this.reason = reason;
        }

        @Override
        public long serviceId() {
            return r.serviceId;
        }

        @Override
        public String bundleSymbolicName() {
            return r.bundleSymbolicName;
        }

        @Override
        public long bundleId() {
            return r.bundleId;
        }

        @Override
        public String route() {
            return r.route;
        }

        @Override
        public List<String> methods() {
            return r.methods;
        }

        @Override
        public int ranking() {
            return r.ranking;
        }

        @Override
        public boolean blocking() {
            return r.blocking;
        }

        @Override
        public String state() {
            return state;
        }

        @Override
        public String reason() {
            return reason;
        }

        @Override
        public long inFlight() {
            return r.target == null ? 0 : r.target.inFlight();
        }

        @Override
        public long totalRequests() {
            return r.target == null ? 0 : r.target.totalRequests();
        }

        @Override
        public long responses(int statusClass) {
            return r.target == null ? 0 : r.target.responses(statusClass);
        }

        @Override
        public double latencyMillis(double percentile) {
            return r.target == null ? Double.NaN : r.target.latencyMillis(percentile);
        }

        @Override
        public Map<String, Long> exceptions() {
            return r.target == null ? Map.of() : r.target.thrown().totals();
        }

        @Override
        public String toString() {
            return "handler " + r.serviceId + " " + r.route + " " + state;
        }
    }
}
