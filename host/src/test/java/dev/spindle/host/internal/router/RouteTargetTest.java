package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.spindle.api.Outcome;

/** The per-handler counters a drain relies on. */
class RouteTargetTest {

    /**
     * With requests starting and finishing on other threads all the time, and a fixed number
     * held running throughout, in-flight never reads below the held ones: a drain that sees 0 has
     * nothing running.
     */
    @Test
    void inFlightNeverReadsLowUnderChurn() throws InterruptedException {
        RouteTarget target = new RouteTarget((req, res) -> res.end(), 1, false, false);
        int held = 3;
        for (int i = 0; i < held; i++) {
            assertTrue(target.tryStart());
        }
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    if (target.tryStart()) {
                        target.finished(Outcome.COMPLETED, 200, RequestMethod.GET, -1, 0);
                    }
                }
            });
            th.start();
            churn.add(th);
        }
        AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        long reads = 0;
        while (System.nanoTime() - until < 0) {
            long seen = target.inFlight();
            reads++;
            if (seen < lowest.get()) {
                lowest.set(seen);
            }
        }
        stop.set(true);
        for (Thread th : churn) {
            th.join(5000);
        }
        assertTrue(reads > 1000, "too few reads to tell: " + reads);
        assertTrue(lowest.get() >= held, "in-flight read " + lowest.get() + " with " + held + " requests running");
        for (int i = 0; i < held; i++) {
            target.finished(Outcome.COMPLETED, 200, RequestMethod.GET, -1, 0);
        }
        assertEquals(0, target.inFlight());
    }
}
