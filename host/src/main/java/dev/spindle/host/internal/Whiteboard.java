package dev.spindle.host.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HandlerResolver;

/**
 * The handler whiteboard: registrations keyed by {@code service.id}, and the routing table built
 * from them. Changes are serialized and publish a new immutable {@link RouteTable}; lookups read
 * the current table without locking.
 */
final class Whiteboard implements HandlerResolver {

    private static final Logger LOG = LoggerFactory.getLogger(Whiteboard.class);

    private final Map<Long, Registration> registrations = new LinkedHashMap<>();
    private volatile RouteTable table = RouteTable.EMPTY;

    @Override
    public Resolution resolve(String method, String path) {
        return table.resolve(method, path);
    }

    synchronized void add(Registration r) {
        Registration before = registrations.put(r.serviceId, r);
        if (!r.valid()) {
            LOG.warn("Handler service {} from {} is not served: {}", r.serviceId, r.bundleSymbolicName, r.failure);
        } else if (before == null) {
            LOG.info("Handler service {} from {} serves {}", r.serviceId, r.bundleSymbolicName, r.route);
        }
        table = new RouteTable(registrations.values());
    }

    synchronized void remove(long serviceId) {
        Registration r = registrations.remove(serviceId);
        if (r != null) {
            table = new RouteTable(registrations.values());
            LOG.info("Handler service {} from {} removed from {}", serviceId, r.bundleSymbolicName, r.route);
        }
    }

    /** Every registration, valid ones in routing order first, then the failed ones by service id. */
    synchronized List<HttpServer.HandlerRegistration> describe() {
        RouteTable t = table;
        List<HttpServer.HandlerRegistration> out = new ArrayList<>();
        for (Registration r : t.ordered()) {
            Registration shadow = t.shadowing(r);
            out.add(view(r, shadow == null ? "ACTIVE" : "SHADOWED",
                    shadow == null ? null : "shadowed by service " + shadow.serviceId));
        }
        registrations.values().stream()
                .filter(r -> !r.valid())
                .sorted(Comparator.comparingLong(r -> r.serviceId))
                .forEach(r -> out.add(view(r, "FAILED", r.failure)));
        return List.copyOf(out);
    }

    private static HttpServer.HandlerRegistration view(Registration r, String state, String reason) {
        return new HttpServer.HandlerRegistration() {
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
            public String toString() {
                return "handler " + r.serviceId + " " + r.route + " " + state;
            }
        };
    }
}
