package dev.spindle.host.internal.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies of roughly the last minute as two rotating 30-second histograms with exponential
 * buckets (10 µs × 1.25^i, up to about 13 s). Recording is one atomic increment; reading merges
 * both halves. Percentiles are bucket upper bounds: within 25 %.
 */
public final class LatencyWindow {

    private static final int BUCKETS = 64;
    private static final double BASE_MICROS = 10;
    private static final double GROWTH = 1.25;
    private static final double LOG_GROWTH = Math.log(GROWTH);
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

    private static long epoch(long nanos) {
        return Math.floorDiv(nanos, HALF_NANOS);
    }

    static int bucket(long nanos) {
        double micros = nanos / 1000.0;
        if (micros <= BASE_MICROS) {
            return 0;
        }
        int i = (int) Math.ceil(Math.log(micros / BASE_MICROS) / LOG_GROWTH);
        return Math.min(i, BUCKETS - 1);
    }

    static double upperBoundMillis(int bucket) {
        return BASE_MICROS * Math.pow(GROWTH, bucket) / 1000.0;
    }

    public void record(long nanos) {
        half(System.nanoTime()).counts.incrementAndGet(bucket(nanos));
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
                previous = h.epoch == e - 1 ? h : new Half(e - 1);
                h = new Half(e);
                current = h;
            }
            return h;
        }
    }

    /** The latency at {@code percentile} (0-100) in ms, {@code NaN} if nothing was recorded lately. */
    public double percentileMillis(double percentile) {
        Half cur = half(System.nanoTime());
        Half prev = previous;
        long[] merged = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            merged[i] = cur.counts.get(i) + (prev.epoch == cur.epoch - 1 ? prev.counts.get(i) : 0);
            total += merged[i];
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(total * Math.min(100, Math.max(0, percentile)) / 100.0);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += merged[i];
            if (seen >= Math.max(1, rank)) {
                return upperBoundMillis(i);
            }
        }
        return upperBoundMillis(BUCKETS - 1);
    }
}
