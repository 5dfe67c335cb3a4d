package dev.spindle.host.internal.http;

import java.util.concurrent.atomic.LongAdder;

import dev.spindle.api.Handler;
import dev.spindle.api.Outcome;

/**
 * A handler as the engine calls it, with its per-handler counters. Counters are striped adders:
 * no lock and no shared cache line on the request path.
 */
public final class RouteTarget {

    private final Handler handler;
    private final long serviceId;
    private final boolean blocking;
    private final boolean checkContinue;
    private final LongAdder started = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder status2xx = new LongAdder();
    private final LongAdder status4xx = new LongAdder();
    private final LongAdder status5xx = new LongAdder();
    private final LongAdder failed = new LongAdder();

    public RouteTarget(Handler handler, long serviceId, boolean blocking, boolean checkContinue) {
        this.handler = handler;
        this.serviceId = serviceId;
        this.blocking = blocking;
        this.checkContinue = checkContinue;
    }

    public Handler handler() {
        return handler;
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

    /** Requests being served now. */
    public long inFlight() {
        return started.sum() - finished.sum();
    }

    /** Requests served or being served. */
    public long totalRequests() {
        return started.sum();
    }

    /** Requests that ended with a 5xx status or a failed handler. */
    public long failures() {
        return status5xx.sum() + failed.sum();
    }

    void started() {
        started.increment();
    }

    void finished(Outcome outcome, int status) {
        finished.increment();
        if (outcome == Outcome.HANDLER_FAILED) {
            failed.increment();
        } else if (status >= 500) {
            status5xx.increment();
        } else if (status >= 400) {
            status4xx.increment();
        } else if (status >= 200 && status < 300) {
            status2xx.increment();
        }
    }

    void listenerFailed() {
        failed.increment();
    }
}
