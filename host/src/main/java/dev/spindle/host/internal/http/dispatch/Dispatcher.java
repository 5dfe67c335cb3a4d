package dev.spindle.host.internal.http.dispatch;

import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.HostAnswers;
import dev.spindle.host.internal.http.exchange.Request;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Data path: between a protocol's new exchange and the handler that answers it. Decides who
 * answers and calls them: the host itself ({@link HostAnswers}) for unknown expectations (417),
 * unknown paths (404) and wrong methods (405); otherwise the routed handler, on the event loop or
 * on the worker pool, with Node's {@code 100 Continue} rules and the host's rule for handlers that
 * throw. Shared by every connection of one engine; holds the engine's {@link EngineStats}.
 */
public final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private volatile HandlerResolver resolver;
    private final WorkerPool workers;
    private final EngineStats stats = new EngineStats();
    private final FailureLog failures = new FailureLog();
    /** The server began to stop: read by every connection as it fixes a response's head. */
    private volatile boolean stopping;
    /** Whether each ended exchange is written to the {@link AccessLog}. */
    private volatile boolean accessLog;
    /** When the access log was last turned on ({@code System.nanoTime()}): requests from then on are logged. */
    private volatile long accessLogSince;

    public Dispatcher(HandlerResolver resolver, Executor workers) {
        this.resolver = resolver;
        this.workers = WorkerPool.of(workers);
    }

    /** What finds the handlers (WebSocket handlers too). */
    public HandlerResolver resolver() {
        return resolver;
    }

    public void resolver(HandlerResolver resolver) {
        this.resolver = resolver;
    }

    public EngineStats stats() {
        return stats;
    }

    /** The server stops: from now on each connection's newest response says it is the last. */
    public void stop() {
        stopping = true;
    }

    public boolean stopping() {
        return stopping;
    }

    /**
     * Turns the {@link AccessLog} on or off, at once for every connection: a request that arrives
     * from now on is logged, one that arrived before is not, wherever its response is.
     */
    public void accessLog(boolean on) {
        if (on && !accessLog) {
            accessLogSince = System.nanoTime();
        }
        accessLog = on;
    }

    /**
     * An exchange ended ({@code status} 0: nothing was sent): the access log's line, when it is on.
     * The one check the request path pays when it is off.
     */
    public void ended(Exchange exchange, int status) {
        if (accessLog && exchange.startNanos() - accessLogSince >= 0) {
            AccessLog.log(exchange, status);
        }
    }

    /**
     * {@code target} took over a request's connection with {@code 101 Switching Protocols}: a 1xx
     * response of the server and of the handler.
     */
    public void switched(RouteTarget target, RequestMethod method) {
        if (EngineStats.ENABLED) {
            stats.response(101);
            target.switched(method);
        }
    }

    /** Where the exceptions of handlers are logged. */
    public FailureLog failures() {
        return failures;
    }

    public long totalRequests() {
        return stats.totalRequests();
    }

    public int openConnections() {
        return stats.openConnections();
    }

    /** A connection begins to speak {@code protocol}. */
    public void connectionOpened(Protocol protocol) {
        stats.connectionOpened(protocol);
    }

    public void connectionClosed() {
        stats.connectionsClosed.increment();
    }

    /**
     * Answers or routes a new exchange (requests are counted by the connection, in batches).
     *
     * @param unknownExpectation an HTTP/1.1 {@code Expect} other than {@code 100-continue}: Node
     *        answers 417 without calling the handler
     */
    public void dispatch(Exchange exchange, boolean unknownExpectation) {
        if (unknownExpectation) {
            HostAnswers.expectationFailed(exchange.response());
            return;
        }
        route(exchange, exchange.startNanos(), false);
    }

    /**
     * {@link #dispatch} from a connection's read batch: the handler calls of the batch are
     * watched as one span, which the connection ends with {@link BlockedLoopChecker#batchEnded}.
     */
    public void dispatchInBatch(Exchange exchange, boolean unknownExpectation) {
        if (unknownExpectation) {
            HostAnswers.expectationFailed(exchange.response());
            return;
        }
        route(exchange, exchange.startNanos(), true);
    }

    /**
     * Finds the handler and calls it; again after waiting, for a route that is being replaced.
     * {@code knownNanos}: a clock reading from the work that led here without a handler call
     * between (the read batch's start, or now), the start of the handler's call for the
     * {@link BlockedLoopChecker}; {@code inBatch}: the call joins its read batch's span.
     */
    private void route(Exchange exchange, long knownNanos, boolean inBatch) {
        if (exchange.gone()) {
            return;
        }
        Request req = exchange.request();
        Response res = exchange.response();
        HandlerResolver.Resolution resolution = resolver.resolve(req.method(), req.path());
        if (resolution.isPending()) {
            park(exchange, resolution.waitUntilNanos());
            return;
        }
        RouteTarget target = resolution.choose(req);
        if (target == null) {
            if (resolution.allow() != null) {
                HostAnswers.methodNotAllowed(res, resolution.allow());
            } else {
                HostAnswers.notFound(res);
            }
            return;
        }
        if (!target.tryStart()) {
            // removed between the lookup and now: the routing table has changed already
            route(exchange, knownNanos, inBatch);
            return;
        }
        exchange.target(target);
        req.routePrefix(target.routePrefix());
        if (exchange.expectContinue() && !target.checkContinue()) {
            res.writeContinue();
        }
        if (target.blocking()) {
            Runnable unavailable = () -> {
                LOG.debug("No worker in time: {} {} answered 503", req.method(), req.url());
                HostAnswers.unavailable(res);
            };
            if (!workers.submit(target.serviceId(), exchange, () -> invoke(target, exchange), unavailable)) {
                LOG.warn("Worker queue full: {} {} answered 503", req.method(), req.url());
                HostAnswers.unavailable(res);
            }
        } else {
            BlockedLoopChecker.Watch watch = BlockedLoopChecker.watch();
            watch.enter(target, knownNanos);
            try {
                invoke(target, exchange);
            } finally {
                if (!inBatch) {
                    watch.settle(0);
                }
            }
        }
    }

    /**
     * The route lost its handler moments ago: waits for the replacement (the next routing change)
     * until {@code waitUntilNanos}, then answers 503 with {@code Retry-After}. The wait is the
     * exchange's timer: it ends with the exchange.
     */
    private void park(Exchange exchange, long waitUntilNanos) {
        boolean[] settled = {false};
        exchange.waitFor(() -> {
            if (!settled[0]) {
                settled[0] = true;
                HostAnswers.unavailable(exchange.response());
            }
        }, waitUntilNanos - System.nanoTime());
        Runnable retry = () -> {
            if (!settled[0]) {
                settled[0] = true;
                exchange.stopWaiting();
                route(exchange, System.nanoTime(), false);
            }
        };
        resolver.onNextChange(() -> exchange.sink().loop().execute(retry));
        // a change between the lookup and the registration above would be missed: look once more
        if (!resolver.resolve(exchange.request().method(), exchange.request().path()).isPending()) {
            retry.run();
        }
    }

    private void invoke(RouteTarget target, Exchange exchange) {
        try {
            target.handler().handle(exchange.request(), exchange.response());
        } catch (Throwable t) {
            failed(target, exchange, t);
        }
    }

    /** A callback of a handler ({@code onData}, {@code onEnd}, {@code onDone} ...) threw. */
    public void listenerFailed(Exchange exchange, Throwable t) {
        RouteTarget target = exchange.target();
        failures.threw(target, t, "A listener of {} {} (handler {}) threw", exchange.request().method(),
                exchange.request().url(), target == null ? "-" : target.serviceId());
    }

    /**
     * The host's rule for a handler that throws: nothing fixed yet, a generic 500 and the connection
     * stays usable; otherwise what was written is flushed and the connection closed, so the client
     * sees a truncated response, never a complete wrong one.
     */
    private void failed(RouteTarget target, Exchange exchange, Throwable t) {
        Request req = exchange.request();
        failures.threw(target, t, "Handler {} threw on {} {}", target.serviceId(), req.method(), req.url());
        Response res = exchange.response();
        exchange.markFailed();
        if (res.headOpen()) {
            try {
                HostAnswers.internalError(res);
                return;
            } catch (RuntimeException again) {
                LOG.debug("Could not answer 500", again);
            }
        }
        exchange.abort(Outcome.HANDLER_FAILED);
    }
}
