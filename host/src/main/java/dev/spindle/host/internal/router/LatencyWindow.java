package dev.spindle.host.internal.router;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies of roughly the last minute as two rotating 30-second histograms with log-linear
 * buckets: four per power of two of ~1 µs units, from 1 µs to over an hour. The bucket comes from
 * bit arithmetic, so recording is a shift, a leading-zero count and one atomic increment; reading
 * merges both halves. Percentiles are bucket upper bounds: within 25 %. A half that leaves the window
 * is added to the totals since start (for the metrics' histograms), at most once every 30 s; the
 * latencies are also added up.
 */
public final class LatencyWindow {

    private static final int BUCKETS = 128;
    /** The unit: 1,024 ns, so that nanoseconds become units with a shift. */
    private static final int UNIT_SHIFT = 10;
    private static final long HALF_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final class Half {
        final long epoch;
        final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

        Half(long epoch) {
            this.epoch = epoch;
        }
    }

    private volatile Half current = new Half(epoch(System.nanoTime()));
    private volatile Half previous = new Half(current.epoch - 1);
    /** Every latency recorded since start, summed (the metrics' histogram sum). */
    private final java.util.concurrent.atomic.LongAdder sumNanos = new java.util.concurrent.atomic.LongAdder();
    /** The halves that left the window, summed; guarded by {@code this}. */
    private final long[] retired = new long[BUCKETS];

    private static long epoch(long nanos) {
        return Math.floorDiv(nanos, HALF_NANOS);
    }

    /** Units below 4 have a bucket each; above, bucket 4(L-1)+q holds [2^L(4+q)/4, 2^L(5+q)/4). */
    static int bucket(long nanos) {
        long v = Math.max(0, nanos) >>> UNIT_SHIFT;
        if (v < 4) {
            return (int) v;
        }
        int log = 63 - Long.numberOfLeadingZeros(v);
        int quarter = (int) ((v >>> (log - 2)) & 3);
        return Math.min(BUCKETS - 1, 4 * (log - 1) + quarter);
    }

    static double upperBoundMillis(int bucket) {
        return upperBoundNanos(bucket) / 1e6;
    }

    private static double upperBoundNanos(int bucket) {
        double units = bucket < 4 ? bucket + 1 : Math.scalb(5 + bucket % 4, bucket / 4 + 1) / 4;
        return units * (1 << UNIT_SHIFT);
    }

    /** Records a latency of {@code nanos} that ended at {@code nowNanos} ({@code System.nanoTime()}). */
    public void record(long nanos, long nowNanos) {
        record(nanos, nowNanos, 1);
    }

    /** Records {@code count} latencies of {@code nanos} each, all ending at {@code nowNanos}. */
    public void record(long nanos, long nowNanos, int count) {
        half(nowNanos).counts.addAndGet(bucket(nanos), count);
        sumNanos.add(nanos * count);
    }

    private Half half(long now) {
        Half h = current;
        long e = epoch(now);
        if (h.epoch == e) {
            return h;
        }
        synchronized (this) {
            h = current;
            if (h.epoch != e) {
                retire(previous);
                if (h.epoch != e - 1) {
                    retire(h);
                }
                previous = h.epoch == e - 1 ? h : new Half(e - 1);
                h = new Half(e);
                current = h;
            }
            return h;
        }
    }

    private void retire(Half h) {
        for (int i = 0; i < BUCKETS; i++) {
            retired[i] += h.counts.get(i);
        }
    }

    /**
     * Every latency recorded since start, by bucket (see {@link #upperBoundMillis}). Never lower than
     * an earlier call's: a count a recorder adds to a half as it leaves the window may be missed,
     * never counted twice.
     */
    public synchronized long[] totals() {
        Half cur = half(System.nanoTime());
        Half prev = previous;
        long[] out = retired.clone();
        for (int i = 0; i < BUCKETS; i++) {
            out[i] += cur.counts.get(i) + (prev.epoch == cur.epoch - 1 ? prev.counts.get(i) : 0);
        }
        return out;
    }

    /** Every latency recorded since start, added up, in seconds. */
    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }

    /** The upper bound of {@code bucket}'s latencies, in seconds. */
    public static double upperBoundSeconds(int bucket) {
        return upperBoundNanos(bucket) / 1e9;
    }

    /** The latency at {@code percentile} (0-100) in ms, {@code NaN} if nothing was recorded lately. */
    public double percentileMillis(double percentile) {
        Half cur = half(System.nanoTime());
        Half prev = previous;
        long[] merged = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            merged[i] = cur.counts.get(i) + (prev.epoch == cur.epoch - 1 ? prev.counts.get(i) : 0);
        }
        return percentileMillis(merged, percentile);
    }

    /**
     * The latency at {@code percentile} (0-100) in ms of latencies counted by bucket (a difference
     * of two {@link #totals}: the latencies between them), {@code NaN} for none.
     */
    public static double percentileMillis(long[] counts, double percentile) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(total * Math.min(100, Math.max(0, percentile)) / 100.0);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) {
                return upperBoundMillis(i);
            }
        }
        return upperBoundMillis(BUCKETS - 1);
    }
}
