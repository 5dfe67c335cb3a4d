package dev.spindle.host.internal.router;

import java.util.concurrent.atomic.AtomicLong;

import dev.spindle.api.IncomingMessage;

/**
 * Data path, between the routing table and the dispatcher: a route served by two versions of a
 * handler, its stable one and a canary taking {@code percent} of the requests. The split is a
 * schedule, not a coin: the n-th request (counted over every connection) goes to the canary when
 * {@code floor(n * percent / 100)} steps up, so after any number of requests the canary has had
 * its share to within one request. With stickiness, a request carrying the named header or cookie
 * goes where the hash of its value falls instead, so that a client keeps its version; one without
 * it follows the schedule. Immutable but for the counter: a new weight is a new split.
 */
public final class CanarySplit {

    private final String route;
    private final Registration stable;
    private final Registration canary;
    private final int percent;
    private final Canary.Stickiness sticky;
    private final AtomicLong requests = new AtomicLong();
    /** The routing answer for the route, shared by its requests: the stable target, this split beside it. */
    final HandlerResolver.Resolution resolution;

    CanarySplit(Registration stable, Registration canary, Canary routing) {
        this.route = stable.route;
        this.stable = stable;
        this.canary = canary;
        this.percent = routing.percent();
        this.sticky = routing.sticky();
        this.resolution = HandlerResolver.Resolution.split(this);
    }

    /** Which version serves {@code req}. */
    RouteTarget choose(IncomingMessage req) {
        if (sticky != null) {
            String value = sticky.valueIn(req);
            if (value != null) {
                return Math.floorMod(value.hashCode(), 100) < percent ? canary.target : stable.target;
            }
        }
        long n = requests.getAndIncrement();
        return (n + 1) * percent / 100 != n * percent / 100 ? canary.target : stable.target;
    }

    public String route() {
        return route;
    }

    public int percent() {
        return percent;
    }

    public RouteTarget stable() {
        return stable.target;
    }

    public RouteTarget canary() {
        return canary.target;
    }

    public long stableBundleId() {
        return stable.bundleId;
    }

    public long canaryBundleId() {
        return canary.bundleId;
    }

    /** The header or cookie that keeps a client on one version, as {@code header x} or {@code cookie y}; null for none. */
    public String stickiness() {
        return sticky == null ? null : sticky.toString();
    }

    /** The table's registrations of the canary: no listing calls it shadowed. */
    Registration canaryRegistration() {
        return canary;
    }
}
