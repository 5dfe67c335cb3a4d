package dev.spindle.host.internal.router;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Beside the data path: what one handler threw, by exception class, so that a handler failing on
 * every request costs one stack trace per class in the log and a count, not a trace per request.
 * The first throw of each class is the one to log in full; the others are counted, in total (shown
 * by {@code spindle:handlers}) and since the last summary (logged once per interval). Lock-free;
 * any thread.
 */
public final class ThrowCounts {

    private static final class Count {
        final LongAdder total = new LongAdder();
        final AtomicLong unreported = new AtomicLong();
    }

    private final Map<String, Count> byClass = new ConcurrentHashMap<>();

    /**
     * Counts {@code t}. Returns {@code true} when it is the first of its class from this handler
     * (the caller logs it in full); otherwise it waits for the next {@link #takeUnreported()}.
     */
    public boolean first(Throwable t) {
        String type = t.getClass().getName();
        Count c = byClass.get(type);
        if (c == null) {
            Count fresh = new Count();
            c = byClass.putIfAbsent(type, fresh);
            if (c == null) {
                fresh.total.increment();
                return true;
            }
        }
        c.total.increment();
        c.unreported.incrementAndGet();
        return false;
    }

    /** Throws by exception class name since the handler was registered, sorted by name. */
    public Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        byClass.forEach((type, c) -> out.put(type, c.total.sum()));
        return out;
    }

    /** Throws not logged in full since the last call, by class name; resets them. */
    public Map<String, Long> takeUnreported() {
        Map<String, Long> out = new TreeMap<>();
        byClass.forEach((type, c) -> {
            long n = c.unreported.getAndSet(0);
            if (n > 0) {
                out.put(type, n);
            }
        });
        return out;
    }
}
