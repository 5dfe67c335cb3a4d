package dev.spindle.host.internal.canary;

import java.util.List;
import java.util.function.IntConsumer;

import org.osgi.framework.Bundle;

import dev.spindle.host.internal.router.CanarySplit;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Beside the data path: one canary being run, its bundle beside the stable one, its share now,
 * and the analysis window in progress (the counters of both versions when it began). Changed by
 * {@link Canaries}' analysis thread and its commands, under {@code this}.
 */
public final class Release {

    final Bundle canary;
    final long stableBundleId;
    /** When the stable version was last installed or updated: another time is another version. */
    final long stableModified;
    final CanaryPolicy policy;
    /** Who started it: {@code shell}, or the PID of its configuration. */
    final String origin;
    private int percent;
    private int step;
    private int cleanWindows;
    private Sample stableStart;
    private Sample canaryStart;
    /** The targets whose counters the window began with. */
    private List<RouteTarget> baseTargets;
    private long windowStartNanos;
    private String verdict = "starting";
    private boolean ending;
    /** Completed once the release is over and forgotten (its ending drained, the whiteboard told). */
    final java.util.concurrent.CompletableFuture<Void> forgotten = new java.util.concurrent.CompletableFuture<>();
    /** Its first {@code minRequests} answers run cold (class loading, JIT) and are not judged. */
    private boolean warming = true;

    Release(Bundle canary, long stableBundleId, long stableModified, CanaryPolicy policy, String origin) {
        this.canary = canary;
        this.stableBundleId = stableBundleId;
        this.stableModified = stableModified;
        this.policy = policy;
        this.origin = origin;
        this.percent = policy.percent();
    }

    public Bundle canary() {
        return canary;
    }

    public long stableBundleId() {
        return stableBundleId;
    }

    public synchronized int percent() {
        return percent;
    }

    public synchronized String verdict() {
        return verdict;
    }

    /** The stable version's and the canary's traffic in the window so far, from {@code splits}. */
    public Sample[] window(List<CanarySplit> splits) {
        return window(Canaries.sample(splits), targets(splits), System.nanoTime());
    }

    /**
     * The traffic in the window so far, {@code now} being the counters of {@code targets}: when
     * those are not the targets the window began with (a handler registered again, with counters
     * from 0), the window starts again at {@code nanos}, so that no count goes negative.
     */
    synchronized Sample[] window(Sample[] now, List<RouteTarget> targets, long nanos) {
        if (stableStart == null || now[0] == Sample.NONE) {
            return now;
        }
        if (!same(targets, baseTargets)) {
            newWindow(now, targets, nanos);
        }
        return new Sample[] {now[0].since(stableStart), now[1].since(canaryStart)};
    }

    private static List<RouteTarget> targets(List<CanarySplit> splits) {
        return splits.stream().flatMap(s -> java.util.stream.Stream.of(s.stable(), s.canary())).toList();
    }

    /** Whether {@code a} and {@code b} are the same targets (by identity: a new registration is a new target). */
    private static boolean same(List<RouteTarget> a, List<RouteTarget> b) {
        if (b == null || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    synchronized void verdict(String v) {
        verdict = v;
    }

    /** Marks the release as ending (a promotion or a rollback under way); false if it already was. */
    boolean end() {
        return end(() -> { });
    }

    /**
     * Marks the release as ending and runs {@code route} (which gives the canary its last share),
     * under the release's lock: a step-up ({@link #stepUp}) comes wholly before it or not at all,
     * so that no stepped share undoes the ending's. False, and nothing run, if it already was ending.
     */
    synchronized boolean end(Runnable route) {
        if (ending) {
            return false;
        }
        ending = true;
        route.run();
        return true;
    }

    synchronized boolean ending() {
        return ending;
    }

    /** Starts a new analysis window at {@code nanos}, from the counters of {@code splits}. */
    void newWindow(List<CanarySplit> splits, long nanos) {
        newWindow(Canaries.sample(splits), targets(splits), nanos);
    }

    /** Starts a new analysis window at {@code nanos}, {@code now} being the counters of {@code targets}. */
    synchronized void newWindow(Sample[] now, List<RouteTarget> targets, long nanos) {
        stableStart = now[0];
        canaryStart = now[1];
        baseTargets = targets;
        windowStartNanos = nanos;
    }

    synchronized boolean warming() {
        return warming;
    }

    /** The warm-up is over: the first window judged starts at {@code now}. */
    synchronized void warmedUp(List<CanarySplit> splits, long nanos) {
        warming = false;
        newWindow(splits, nanos);
    }

    synchronized long windowStartNanos() {
        return windowStartNanos;
    }

    /**
     * A clean window ended: the next step's share, routed by {@code route} under the release's lock
     * (below 100: a full share is a promotion, which routes it itself), or -1 when there is none or
     * the release is ending (a rollback or promotion under way keeps its share).
     */
    synchronized int stepUp(IntConsumer route) {
        if (ending) {
            return -1;
        }
        cleanWindows++;
        if (step < policy.steps().size()) {
            percent = policy.steps().get(step++);
            if (percent < 100) {
                route.accept(percent);
            }
            return percent;
        }
        return -1;
    }

    synchronized int cleanWindows() {
        return cleanWindows;
    }
}
