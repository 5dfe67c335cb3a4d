package dev.spindle.host.internal.router;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import java.util.List;

import dev.spindle.api.Handler;
import dev.spindle.api.Outcome;
import dev.spindle.api.UpgradeHandler;
import dev.spindle.api.WebSocketHandler;

/**
 * Data path: the router's answer for a request, which the dispatcher calls. A handler as the
 * engine calls it, with its per-handler counters (requests in and out, responses by method and
 * status class, latency): striped adders, no lock and no shared cache line on the request path. For a
 * {@link WebSocketHandler} the same: each open socket counts as one request in flight from its
 * {@code open} to its close, so that a drain waits for the sockets as for requests.
 */
public final class RouteTarget {

    private final Handler handler;
    private final WebSocketHandler webSocket;
    private final UpgradeHandler upgrade;
    private final List<String> subprotocols;
    private final long serviceId;
    private final boolean blocking;
    private final boolean checkContinue;
    private final LongAdder started = new LongAdder();
    private final LongAdder finished = new LongAdder();
    /**
     * Responses by method and status class, at {@code method * 6 + class}: classes 1 to 5, and 0 for
     * handlers (or their listeners) that failed, which count as 5xx.
     */
    private final LongAdder[] responses = new LongAdder[RequestMethod.COUNT * 6];
    private final LatencyWindow latency = new LatencyWindow();
    private final ThrowCounts thrown = new ThrowCounts();
    private final Object drainLock = new Object();
    private volatile boolean removed;

    private final String routePrefix;

    public RouteTarget(Handler handler, long serviceId, boolean blocking, boolean checkContinue) {
        this(handler, serviceId, blocking, checkContinue, null);
    }

    /** @param routePrefix the prefix of a {@code /x/*} route ({@code /x}), {@code null} for an exact route */
    public RouteTarget(Handler handler, long serviceId, boolean blocking, boolean checkContinue, String routePrefix) {
        this(handler, null, null, List.of(), serviceId, blocking, checkContinue, routePrefix);
    }

    /**
     * A WebSocket handler as the engine calls it.
     *
     * @param subprotocols the subprotocols it speaks, in its order of preference
     * @param routePrefix as {@link #RouteTarget(Handler, long, boolean, boolean, String)}
     */
    public RouteTarget(WebSocketHandler webSocket, List<String> subprotocols, long serviceId, String routePrefix) {
        this(null, webSocket, null, subprotocols, serviceId, false, false, routePrefix);
    }

    /** An upgrade handler as the engine calls it; each socket it took over counts as a request in flight. */
    public RouteTarget(UpgradeHandler upgrade, long serviceId, String routePrefix) {
        this(null, null, upgrade, List.of(), serviceId, false, false, routePrefix);
    }

    private RouteTarget(Handler handler, WebSocketHandler webSocket, UpgradeHandler upgrade, List<String> subprotocols,
            long serviceId, boolean blocking, boolean checkContinue, String routePrefix) {
        this.handler = handler;
        this.webSocket = webSocket;
        this.upgrade = upgrade;
        this.subprotocols = List.copyOf(subprotocols);
        this.serviceId = serviceId;
        this.blocking = blocking;
        this.checkContinue = checkContinue;
        this.routePrefix = routePrefix;
        for (int i = 0; i < responses.length; i++) {
            responses[i] = new LongAdder();
        }
    }

    /** The HTTP handler; {@code null} for a WebSocket handler. */
    public Handler handler() {
        return handler;
    }

    /** The WebSocket handler; {@code null} for an HTTP handler. */
    public WebSocketHandler webSocketHandler() {
        return webSocket;
    }

    /** The upgrade handler; {@code null} for another kind. */
    public UpgradeHandler upgradeHandler() {
        return upgrade;
    }

    /** The subprotocols a WebSocket handler speaks, in its order of preference; empty for none. */
    public List<String> subprotocols() {
        return subprotocols;
    }

    public long serviceId() {
        return serviceId;
    }

    public boolean blocking() {
        return blocking;
    }

    public boolean checkContinue() {
        return checkContinue;
    }

    /** The prefix of the {@code /x/*} route this handler serves ({@code /x}), {@code null} for an exact route. */
    public String routePrefix() {
        return routePrefix;
    }

    /**
     * Requests being served now. {@code finished} is read before {@code started}: a request is
     * counted in before it is counted out, so every finish this read sees has its start in the
     * second read, and the difference may read high for a moment but never low (a drain that
     * sees 0 has nothing running).
     */
    public long inFlight() {
        long out = finished.sum();
        return started.sum() - out;
    }

    /** Requests served or being served. */
    public long totalRequests() {
        return started.sum();
    }

    /** Requests that ended with a 5xx status or a failed handler. */
    public long failures() {
        return responses(5);
    }

    /**
     * Counts a request in, unless the handler was removed meanwhile: then the caller must route
     * the request again. Counting first and checking after pairs with {@link #drain}, which marks
     * first and counts after, so no request slips past a drain.
     */
    public boolean tryStart() {
        started.increment();
        if (removed) {
            finished.increment();
            wakeDrain();
            return false;
        }
        return true;
    }

    /**
     * The handler is no longer routed to: waits until the requests it is serving finish, at most
     * {@code timeoutMillis}. Returns how many are still running (0 when drained).
     */
    public long drain(long timeoutMillis) throws InterruptedException {
        removed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (drainLock) {
            long left;
            while (inFlight() > 0 && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(drainLock, left);
            }
        }
        return inFlight();
    }

    /** Whether {@link #drain} was called: the handler is on its way out. */
    public boolean removed() {
        return removed;
    }

    private void wakeDrain() {
        synchronized (drainLock) {
            drainLock.notifyAll();
        }
    }

    /** Responses by status class, 1 to 5, of every method (5 includes failed handlers). */
    public long responses(int statusClass) {
        long n = 0;
        for (int m = 0; m < RequestMethod.COUNT; m++) {
            n += responses(RequestMethod.of(m), statusClass);
        }
        return n;
    }

    /** Responses to {@code method} by status class, 1 to 5 (5 includes failed handlers). */
    public long responses(RequestMethod method, int statusClass) {
        if (statusClass < 1 || statusClass > 5) {
            return 0;
        }
        int at = method.ordinal() * 6;
        long n = responses[at + statusClass].sum();
        return statusClass == 5 ? n + responses[at].sum() : n;
    }

    /** Latency of recent requests at {@code percentile}, ms; NaN when idle. */
    public double latencyMillis(double percentile) {
        return latency.percentileMillis(percentile);
    }

    /** Latencies since the handler was registered: see {@link LatencyWindow#totals}. */
    public long[] latencyTotals() {
        return latency.totals();
    }

    /** The latencies since the handler was registered, added up, in seconds. */
    public double latencySumSeconds() {
        return latency.sumSeconds();
    }

    /**
     * Counts requests to {@code method} that ended, in one call for a run of them: same handler,
     * same method, same read batch.
     *
     * @param byClass how many ended with a status of each class (1 to 5), at index 0 how many
     *        ended because the handler failed (counted with the 5xx); not kept
     * @param nanos how long each took; negative when metrics are off
     * @param endNanos when they ended ({@code System.nanoTime()})
     */
    public void finished(int count, RequestMethod method, int[] byClass, long nanos, long endNanos) {
        finished.add(count);
        if (removed) {
            wakeDrain();
        }
        if (nanos < 0) {
            return;
        }
        latency.record(nanos, endNanos, count);
        int at = method.ordinal() * 6;
        for (int c = 0; c < 6; c++) {
            if (byClass[c] != 0) {
                responses[at + c].add(byClass[c]);
            }
        }
    }

    /** Counts one request that ended; see {@link #finished(int, RequestMethod, int[], long, long)}. */
    public void finished(Outcome outcome, int status, RequestMethod method, long nanos, long endNanos) {
        finished.add(1);
        if (removed) {
            wakeDrain();
        }
        if (nanos < 0) {
            return;
        }
        latency.record(nanos, endNanos, 1);
        int statusClass = status / 100;
        if (outcome == Outcome.HANDLER_FAILED) {
            responses[method.ordinal() * 6].increment();
        } else if (statusClass >= 1 && statusClass <= 5) {
            responses[method.ordinal() * 6 + statusClass].increment();
        }
    }

    /**
     * A socket taken over by a WebSocket or upgrade handler closed: the request in flight since its
     * {@code 101} ({@link #switched}) is over. No latency: the socket lived as long as it lived.
     */
    public void socketClosed() {
        finished.add(1);
        if (removed) {
            wakeDrain();
        }
    }

    /**
     * The handler took a request's connection over with {@code 101 Switching Protocols}: a 1xx
     * response to {@code method}, counted when the protocol switches (the request stays in flight
     * until {@link #socketClosed}). The caller skips it when metrics are off.
     */
    public void switched(RequestMethod method) {
        responses[method.ordinal() * 6 + 1].increment();
    }

    /** A callback the handler registered for a request to {@code method} threw: counted with the 5xx. */
    public void listenerFailed(RequestMethod method) {
        responses[method.ordinal() * 6].increment();
    }

    /** What this handler threw, by exception class. */
    public ThrowCounts thrown() {
        return thrown;
    }
}
