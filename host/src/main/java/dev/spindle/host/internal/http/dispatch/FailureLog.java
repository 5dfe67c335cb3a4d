package dev.spindle.host.internal.http.dispatch;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.router.RouteTarget;

/**
 * Beside the data path: where the exceptions of handlers go. A handler that throws on every
 * request must not flood the log (a trace per request was 179 MB in 10 s and slowed every other
 * route): the first exception of each class from each handler is logged with its stack trace, the
 * others are counted ({@link dev.spindle.host.internal.router.ThrowCounts}) and logged as one line
 * per handler and class each time {@link #summarize()} runs (every {@code failureSummaryMillis}).
 * Shared by the connections of one engine; any thread.
 */
public final class FailureLog {

    private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);

    private final Set<RouteTarget> pending = ConcurrentHashMap.newKeySet();
    private volatile long lastSummaryNanos = System.nanoTime();

    /**
     * {@code target} threw {@code t}: logged as {@code message} (an SLF4J pattern over {@code args})
     * with the stack trace if it is the first of its class from this handler, else counted.
     */
    public void threw(RouteTarget target, Throwable t, String message, Object... args) {
        if (target == null || target.thrown().first(t)) {
            Object[] withCause = Arrays.copyOf(args, args.length + 1);
            withCause[args.length] = t;
            LOG.error(message, withCause);
        } else {
            pending.add(target);
        }
    }

    /** Logs, per handler and exception class, how many throws since the last summary were not logged in full. */
    public void summarize() {
        long now = System.nanoTime();
        String period = period(now - lastSummaryNanos);
        lastSummaryNanos = now;
        for (RouteTarget target : pending) {
            pending.remove(target);
            for (Map.Entry<String, Long> e : target.thrown().takeUnreported().entrySet()) {
                LOG.error("Handler service {} threw {} {} more time(s) in the last {} (stack trace of the first one above)",
                        target.serviceId(), e.getKey(), e.getValue(), period);
            }
        }
    }

    private static String period(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis < 10_000 ? millis + " ms" : Math.round(millis / 1000.0) + " s";
    }
}
