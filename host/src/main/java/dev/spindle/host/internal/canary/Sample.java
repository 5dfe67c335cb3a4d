package dev.spindle.host.internal.canary;

import dev.spindle.host.internal.router.LatencyWindow;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Beside the data path: one version's counters read at once, and the difference of two such
 * reads (what a version served within an analysis window), as the canary analysis judges them.
 * Reads the handler's own striped counters; adds nothing to the request path.
 */
public record Sample(long requests, long ok, long clientErrors, long serverErrors, long[] latency, long redirects) {

    static final Sample NONE = new Sample(0, 0, 0, 0, new long[0]);

    /** Without 3xx answers. */
    Sample(long requests, long ok, long clientErrors, long serverErrors, long[] latency) {
        this(requests, ok, clientErrors, serverErrors, latency, 0);
    }

    static Sample of(RouteTarget t) {
        return new Sample(t.totalRequests(), t.responses(2), t.responses(4), t.responses(5), t.latencyTotals(),
                t.responses(3));
    }

    /** This and {@code other} (null: this) added up. */
    Sample plus(Sample other) {
        if (other == null) {
            return this;
        }
        long[] l = latency.clone();
        for (int i = 0; i < l.length; i++) {
            l[i] += other.latency[i];
        }
        return new Sample(requests + other.requests, ok + other.ok, clientErrors + other.clientErrors,
                serverErrors + other.serverErrors, l, redirects + other.redirects);
    }

    /** What was served between {@code start} and this. */
    Sample since(Sample start) {
        long[] l = latency.clone();
        for (int i = 0; i < Math.min(l.length, start.latency.length); i++) {
            l[i] -= start.latency[i];
        }
        return new Sample(requests - start.requests, ok - start.ok, clientErrors - start.clientErrors,
                serverErrors - start.serverErrors, l, redirects - start.redirects);
    }

    /** Requests answered with a 2xx, 3xx, 4xx or 5xx status (counted only with metrics on: 0 with them off). */
    public long answered() {
        return ok + redirects + clientErrors + serverErrors;
    }

    /** The share of the answered requests with status class {@code 2} to {@code 5}, in percent; 0 for none. */
    public double rate(int statusClass) {
        long answered = answered();
        long n = statusClass == 2 ? ok : statusClass == 3 ? redirects : statusClass == 4 ? clientErrors : serverErrors;
        return answered == 0 ? 0 : 100.0 * n / answered;
    }

    /** The latency at {@code percentile}, ms; NaN for none. */
    public double latencyMillis(double percentile) {
        return LatencyWindow.percentileMillis(latency, percentile);
    }

    /**
     * Why {@code canary} fails against {@code stable} under {@code policy} (its p99 latency only
     * with {@code latency}: judged over a whole window, not the start of one), or null when it passes
     * (or has not answered {@code minRequests} yet: nothing is judged on too few requests, nor
     * with metrics off, which leave the status counts at 0).
     */
    static String failure(Sample stable, Sample canary, CanaryPolicy policy, boolean latency) {
        if (canary.answered() < policy.minRequests()) {
            return null;
        }
        double excess = canary.rate(5) - stable.rate(5);
        if (excess > policy.max5xxPoints()) {
            return String.format(java.util.Locale.ROOT, "its 5xx rate %.1f %% is %.1f points above the stable version's"
                    + " %.1f %% (limit %.1f) over %d requests", canary.rate(5), excess, stable.rate(5),
                    policy.max5xxPoints(), canary.answered());
        }
        if (!latency) {
            return null;
        }
        double c = Math.max(1, canary.latencyMillis(99));
        double s = Math.max(1, stable.latencyMillis(99));
        if (!Double.isNaN(c) && !Double.isNaN(s) && c > policy.maxP99Ratio() * s) {
            return String.format(java.util.Locale.ROOT, "its p99 latency %.1f ms is %.1f times the stable version's %.1f ms"
                    + " (limit %.1f)", c, c / s, s, policy.maxP99Ratio());
        }
        return null;
    }
}
