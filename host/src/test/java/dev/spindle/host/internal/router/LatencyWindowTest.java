package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The latency histogram's buckets and percentiles. */
class LatencyWindowTest {

    @Test
    void everyLatencyFallsInABucketWhoseUpperBoundIsAtMostAQuarterAbove() {
        for (long nanos = 1; nanos < TimeUnit.SECONDS.toNanos(100); nanos = nanos * 11 / 10 + 1) {
            double ms = nanos / 1e6;
            double upper = LatencyWindow.upperBoundMillis(LatencyWindow.bucket(nanos));
            assertTrue(upper >= ms, nanos + " ns above its bucket's bound " + upper);
            assertTrue(upper <= Math.max(ms * 1.25, 0.0041), nanos + " ns in a bucket up to " + upper);
        }
    }

    @Test
    void percentilesComeFromTheRecordedLatencies() {
        LatencyWindow w = new LatencyWindow();
        assertTrue(Double.isNaN(w.percentileMillis(50)));
        for (int i = 0; i < 99; i++) {
            w.record(TimeUnit.MILLISECONDS.toNanos(1), System.nanoTime());
        }
        w.record(TimeUnit.MILLISECONDS.toNanos(100), System.nanoTime());
        double p50 = w.percentileMillis(50);
        double max = w.percentileMillis(100);
        assertTrue(p50 >= 1 && p50 <= 1.25, "p50 " + p50);
        assertTrue(max >= 100 && max <= 125, "max " + max);
        assertEquals(p50, w.percentileMillis(99));
    }

    @Test
    void totalsKeepEveryLatencyAfterItLeavesThePercentilesWindow() {
        LatencyWindow w = new LatencyWindow();
        long now = System.nanoTime();
        long oneMs = TimeUnit.MILLISECONDS.toNanos(1);
        w.record(oneMs, now);
        w.record(oneMs, now + TimeUnit.SECONDS.toNanos(31), 2);       // the next half
        w.record(10 * oneMs, now + TimeUnit.SECONDS.toNanos(95));     // two halves later: the first one leaves
        long[] totals = w.totals();
        assertEquals(3, totals[LatencyWindow.bucket(oneMs)]);
        assertEquals(1, totals[LatencyWindow.bucket(10 * oneMs)]);
        assertEquals(4, java.util.Arrays.stream(totals).sum());
        assertEquals(4, java.util.Arrays.stream(w.totals()).sum(), "a second read is the same");
    }
}
