package dev.spindle.host.internal.router;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Beside the data path, kept by the {@link Whiteboard}: what happened to handler registrations
 * since start (registered, unregistered, drained, cut at the drain timeout) and how long their
 * drains took, for the admin listener's metrics, and the last {@value #KEPT} of them with their
 * time and route, for the dashboard's markers. Counted as registrations change, never per request.
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

    /**
     * One registration change: its number (rising across the host's whiteboards since the bundle's
     * classes loaded, so a restarted host numbers on), when (epoch ms), what, and whose.
     */
    public record Event(long seq, long timeMillis, Kind kind, String route, long serviceId, String bundle) {
    }

    /** How many recent events are kept for {@link #since}. */
    static final int KEPT = 256;

    private final LongAdder[] counts = new LongAdder[Kind.values().length];
    /** The last {@link #KEPT} events, oldest first; guarded by {@code this}. */
    private final ArrayDeque<Event> recent = new ArrayDeque<>(KEPT);
    /**
     * Numbers events across instances: a host that restarts (a new whiteboard) while a dashboard
     * watches goes on from the numbers that dashboard has seen, instead of numbering from 1 again
     * below its cursor, where its new events would be taken for ones already sent.
     */
    private static final AtomicLong SEQ = new AtomicLong();
    private final LatencyWindow drains = new LatencyWindow();

    public DeployEvents() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** {@code kind} happened now to handler service {@code serviceId} of {@code bundle} on {@code route}. */
    void happened(Kind kind, String route, long serviceId, String bundle) {
        counts[kind.ordinal()].increment();
        synchronized (this) {
            if (recent.size() == KEPT) {
                recent.removeFirst();
            }
            recent.addLast(new Event(SEQ.incrementAndGet(), System.currentTimeMillis(), kind, route, serviceId, bundle));
        }
    }

    /** A drain of handler service {@code serviceId} that took {@code nanos}, ending now. */
    void drained(long nanos, boolean cut, String route, long serviceId, String bundle) {
        happened(cut ? Kind.CUT : Kind.DRAINED, route, serviceId, bundle);
        drains.record(nanos, System.nanoTime());
    }

    /** The kept events numbered above {@code seq}, oldest first ({@code since(0)}: all those kept). */
    public synchronized List<Event> since(long seq) {
        List<Event> out = new ArrayList<>();
        for (Event e : recent) {
            if (e.seq() > seq) {
                out.add(e);
            }
        }
        return out;
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
