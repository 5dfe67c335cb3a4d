package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.router.LatencyWindow;

/** The analysis's judgement of one window, and the policy's validation. */
class SampleTest {

    private static final CanaryPolicy POLICY = CanaryPolicy.DEFAULT.with(Map.of("minRequests", "100"));

    /** {@code ok} 2xx and {@code errors} 5xx answers, each taking {@code millis}. */
    private static Sample sample(int ok, int errors, double millis) {
        LatencyWindow w = new LatencyWindow();
        w.record((long) (millis * 1e6), System.nanoTime(), ok + errors);
        return new Sample(ok + errors, ok, 0, errors, w.totals());
    }

    @Test
    void aCanaryFailingATenthOfItsRequestsFailsWithTheReason() {
        String why = Sample.failure(sample(900, 0, 1), sample(180, 20, 1), POLICY, true);
        assertEquals("its 5xx rate 10.0 % is 10.0 points above the stable version's 0.0 % (limit 1.0) over 200 requests", why);
        assertNull(Sample.failure(sample(900, 9, 1), sample(198, 2, 1), POLICY, true), "the stable one's 1 %: level");
    }

    @Test
    void redirectsAreAnswersToo() {
        Sample redirecting = new Sample(200, 90, 0, 10, new long[0], 100);
        assertEquals(200, redirecting.answered(), "a 3xx answers the request");
        assertEquals(5.0, redirecting.rate(5), 1e-9, "10 5xx of 200 answers");
        assertEquals(50.0, redirecting.rate(3), 1e-9);
        assertEquals(redirecting, redirecting.plus(null));
        assertEquals(100, redirecting.plus(redirecting).since(redirecting).redirects());
    }

    @Test
    void nothingIsJudgedOnTooFewAnswers() {
        assertNull(Sample.failure(sample(900, 0, 1), sample(80, 19, 1), POLICY, true));
        assertNull(Sample.failure(sample(0, 0, 1), new Sample(500, 0, 0, 0, new long[128]), POLICY, true),
                "metrics off: requests but no status counts");
    }

    @Test
    void aSlowCanaryFailsOnItsP99AndSubMillisecondNoiseDoesNot() {
        String why = Sample.failure(sample(900, 0, 5), sample(200, 0, 20), POLICY, true);
        assertTrue(why != null && why.startsWith("its p99 latency "), why);
        assertNull(Sample.failure(sample(900, 0, 0.05), sample(200, 0, 0.5), POLICY, true), "both under 1 ms");
        assertNull(Sample.failure(sample(900, 0, 5), sample(200, 0, 20), POLICY, false), "latency only over a whole window");
    }

    @Test
    void aWindowIsTheDifferenceOfTwoReads() {
        Sample start = sample(10, 1, 2);
        Sample end = new Sample(start.requests() + 5, start.ok() + 5, 0, start.serverErrors(), start.latency());
        Sample window = end.since(start);
        assertEquals(5, window.requests());
        assertEquals(100.0, window.rate(2));
        assertEquals(Double.NaN, window.latencyMillis(99));
    }

    @Test
    void thePolicyNamesTheKeyItRefuses() {
        assertEquals(List.of(25, 50, 100), CanaryPolicy.DEFAULT.with(Map.of("steps", "25, 50,100")).steps());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CanaryPolicy.DEFAULT.with(Map.of("percent", "0")))
                .getMessage().startsWith("percent must be 1 to 99"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CanaryPolicy.DEFAULT.with(Map.of("steps", "50,25")))
                .getMessage().startsWith("steps must be ascending"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CanaryPolicy.DEFAULT.with(Map.of("windowSeconds", "x")))
                .getMessage().startsWith("windowSeconds must be a number"));
        assertEquals("cookie session", CanaryPolicy.DEFAULT.with(Map.of("stickyCookie", "session")).sticky().toString());
    }
}
