package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.router.RouteTarget;

/** A release's analysis window across a handler's registering again. */
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
}
