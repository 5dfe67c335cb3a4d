package dev.spindle.host.internal.router;

import java.util.List;
import java.util.Map;

import dev.spindle.api.HttpServer;

/** Beside the data path: a registration as {@link HttpServer} shows it, with live counters. */
final class RegistrationView implements HttpServer.HandlerRegistration {

    /** Which handler a request reaches, and why ({@code spindle:route}). */
    record Match(HttpServer.HandlerRegistration handler, int status, String reason)
            implements HttpServer.RouteMatch {
    }

    private final Registration r;
    private final String state;
    private final String reason;

    RegistrationView(Registration r, String state, String reason) {
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
    public boolean webSocket() {
        return r.webSocket;
    }

    @Override
    public String toString() {
        return "handler " + r.serviceId + " " + r.route + " " + state;
    }
}
