package dev.spindle.host.internal.router;

import java.util.concurrent.atomic.LongAdder;

/**
 * Beside the data path, kept by the {@link Whiteboard}: what happened to handler registrations
 * since start (registered, unregistered, drained, cut at the drain timeout) and how long their
 * drains took, for the admin listener's metrics. Counted as registrations change, never per request.
 */
public final class DeployEvents {

    /** What can happen to a registration. */
    public enum Kind {
        /** A valid handler service began to be routed to. */
        REGISTERED,
        /** A handler service that failed validation (shown by the shell with its reason). */
        FAILED,
        /** A handler service went away (an update, a removal, a stop). */
        UNREGISTERED,
        /** A removed handler's running requests all finished within the drain timeout. */
        DRAINED,
        /** A removed handler still served requests at the drain timeout: they were ended. */
        CUT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final LongAdder[] counts = new LongAdder[Kind.values().length];
    private final LatencyWindow drains = new LatencyWindow();

    public DeployEvents() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(Kind kind) {
        counts[kind.ordinal()].increment();
    }

    /** A drain that took {@code nanos}, ending now. */
    void drained(long nanos, boolean cut) {
        count(cut ? Kind.CUT : Kind.DRAINED);
        drains.record(nanos, System.nanoTime());
    }

    /** How many times {@code kind} happened since start. */
    public long total(Kind kind) {
        return counts[kind.ordinal()].sum();
    }

    /** Every drain's duration since start, by {@link LatencyWindow} bucket. */
    public long[] drainTotals() {
        return drains.totals();
    }

    /** Every drain's duration since start, added up, in seconds. */
    public double drainSumSeconds() {
        return drains.sumSeconds();
    }
}
