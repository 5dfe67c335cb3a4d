package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.router.RouteTarget;

/** A release's analysis window across a handler's registering again; its step-ups against its ending. */
class ReleaseTest {

    private static Sample served(long n) {
        return new Sample(n, n, 0, 0, new long[0]);
    }

    @Test
    void aNewRegistrationStartsTheWindowAgainInsteadOfCountingBackwards() {
        Release r = new Release(null, 1, 0, CanaryPolicy.DEFAULT, Canaries.SHELL);
        RouteTarget stable = new RouteTarget(null, 1, false, false);
        RouteTarget canary = new RouteTarget(null, 2, false, false);
        r.newWindow(new Sample[] {served(100), served(50)}, List.of(stable, canary), 0);
        Sample[] w = r.window(new Sample[] {served(110), served(55)}, List.of(stable, canary), 1);
        assertEquals(List.of(10L, 5L), List.of(w[0].answered(), w[1].answered()));

        RouteTarget again = new RouteTarget(null, 3, false, false);
        w = r.window(new Sample[] {served(120), served(2)}, List.of(stable, again), 2);
        assertEquals(List.of(0L, 0L), List.of(w[0].answered(), w[1].answered()), "the canary's counters began at 0 again");
        assertEquals(2, r.windowStartNanos(), "its window starts again");
        w = r.window(new Sample[] {served(130), served(6)}, List.of(stable, again), 3);
        assertEquals(List.of(10L, 4L), List.of(w[0].answered(), w[1].answered()));
    }

    /**
     * The analysis steps a share up while a rollback begins on another thread: the rollback's 0 %
     * is routed after the step's share, never before (the step would undo it), whatever the
     * interleaving: the rollback waits for the step-up in progress.
     */
    @Test
    void aStepUpInProgressComesWhollyBeforeTheEnding() throws Exception {
        Release r = new Release(null, 1, 0, CanaryPolicy.DEFAULT.with(Map.of("steps", "25, 50, 100")), Canaries.SHELL);
        List<Integer> routed = new CopyOnWriteArrayList<>();
        CountDownLatch stepping = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Thread analysis = new Thread(() -> r.stepUp(share -> {
            stepping.countDown();
            await(letGo);
            routed.add(share);
        }));
        analysis.start();
        await(stepping);
        Thread rollback = new Thread(() -> r.end(() -> routed.add(0)));
        rollback.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rollback.isAlive() && rollback.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        letGo.countDown();
        analysis.join(30_000);
        rollback.join(30_000);
        assertEquals(List.of(25, 0), routed, "the ending's share is routed last");
        assertEquals(-1, r.stepUp(routed::add), "no step-up once ending");
        assertEquals(List.of(25, 0), routed);
        assertTrue(r.ending());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("not within 30 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
