package dev.spindle.host.internal.canary;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.router.CanarySplit;
import dev.spindle.host.internal.router.Whiteboard;
import dev.spindle.host.internal.shell.HandlerBundles;

/**
 * Beside the data path: the canary releases. Installs a canary bundle beside the stable version of
 * its symbolic name, declared to the {@link Whiteboard} before it starts (so its routes are split
 * from its first request); judges it every analysis window ({@link Sample#failure}), rolling it
 * back at once on a failed check, stepping its share up after each clean window; promotes it (the
 * stable version gets no new request, drains, and is uninstalled) or rolls it back (the same for
 * the canary). Every bundle change runs on the calling thread or the analysis thread, never on an
 * event loop, so the drains are waited for. When a canary may run waits for its stable version:
 * {@link StableWait}.
 */
@Component(service = Canaries.class)
public final class Canaries {

    private static final Logger LOG = LoggerFactory.getLogger(Canaries.class);
    /** How often the analysis looks at each canary. */
    static final long TICK_MILLIS = 200;

    private final Whiteboard whiteboard;
    private final HandlerBundles bundles;
    private final BundleContext context;
    /** By the canary's bundle id. */
    private final Map<Long, Release> releases = new ConcurrentHashMap<>();
    /** What a canary started from the shell has as its origin. */
    public static final String SHELL = "shell";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    private final StableWait stableWait;
    private final ReleaseEnd end;

    /** Where the endings the analysis decides drain: a drain must not hold up the judging of the other canaries. */
    private final ExecutorService endings = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spindle-canary-ending");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledExecutorService analysis = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spindle-canary-analysis");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public Canaries(@Reference(name = "whiteboard") Whiteboard whiteboard, BundleContext context) {
        this.whiteboard = whiteboard;
        this.context = context;
        this.bundles = new HandlerBundles(context);
        this.stableWait = new StableWait(context, whiteboard, analysis);
        this.end = new ReleaseEnd(whiteboard, context, releases, () -> configAdmin);
        analysis.scheduleWithFixedDelay(this::analyseAll, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        try {
            context.addServiceListener(stableWait, StableWait.filter());
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(stableWait);
        analysis.shutdownNow();
        endings.shutdown();
    }

    /**
     * Runs {@code retry} on the analysis thread once a stable version for the canary {@code bsn}
     * {@code version} of configuration {@code pid} is ready: active, its handlers registered and
     * routed ({@link StableWait}). Replaces what {@code pid} waited for before.
     */
    public void whenStable(String bsn, String version, String pid, Runnable retry) {
        stableWait.whenStable(bsn, version, pid, retry);
    }

    /** {@code pid} waits no longer (its configuration went). */
    public void stopWaiting(String pid) {
        stableWait.stopWaiting(pid);
    }

    /**
     * Installs {@code jar} (symbolic name {@code bsn}, version {@code version}, from
     * {@code location}) as a canary of the installed handler bundle of that symbolic name, and
     * starts it. Throws {@link IllegalArgumentException} with the reason when it cannot be one.
     *
     * @param origin {@code shell}, or the PID of the configuration that asked for it
     */
    public Release start(String location, byte[] jar, String bsn, String version, CanaryPolicy policy, String origin)
            throws BundleException {
        Bundle stable = stableFor(bsn, org.osgi.framework.Version.parseVersion(version), location, null);
        return run(context.installBundle(location, new ByteArrayInputStream(jar)), stable, policy, origin);
    }

    /**
     * Runs {@code canary}, installed already (its configuration came back after a restart, or
     * changed), as a canary under {@code policy}: its release, if any, starts again.
     */
    public Release adopt(Bundle canary, CanaryPolicy policy, String origin) throws BundleException {
        releases.remove(canary.getBundleId());
        Bundle stable = stableFor(canary.getSymbolicName(), canary.getVersion(), null, canary);
        return run(canary, stable, policy, origin);
    }

    /** The installed bundle {@code bsn} at {@code version}, if any. */
    public Optional<Bundle> installed(String bsn, String version) {
        org.osgi.framework.Version v = org.osgi.framework.Version.parseVersion(version);
        return java.util.Arrays.stream(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())
                && v.equals(b.getVersion()) && b.getState() != Bundle.UNINSTALLED).findFirst();
    }

    /** The active handler bundle {@code bsn} a canary at {@code version} (not {@code self}) runs beside. */
    private Bundle stableFor(String bsn, org.osgi.framework.Version version, String location, Bundle self) {
        Bundle stable = null;
        for (Bundle b : context.getBundles()) {
            if (!bsn.equals(b.getSymbolicName()) || b.getState() == Bundle.UNINSTALLED || b.equals(self)) {
                continue;
            }
            if (b.getVersion().equals(version)) {
                throw new IllegalArgumentException(HandlerBundles.describe(b) + " is installed already"
                        + (releases.containsKey(b.getBundleId()) ? " as a canary" : ": a canary is another version"));
            }
            if (releases.containsKey(b.getBundleId())) {
                throw new IllegalArgumentException(bsn + " has a canary already: " + HandlerBundles.describe(b)
                        + " (spindle:promote or spindle:rollback it first)");
            }
            if (b.getLocation().equals(location)) {
                throw new IllegalArgumentException(HandlerBundles.describe(b) + " was installed from " + location);
            }
            if (b.getState() == Bundle.ACTIVE && bundles.isHandlerBundle(b)) {
                stable = b;
            }
        }
        if (stable == null) {
            throw new NoStable(bsn, version.toString());
        }
        return stable;
    }

    /**
     * Declares {@code b} a canary beside {@code stable} and starts it; uninstalls it if it cannot be
     * one. A canary that shares no route with {@code stable} yet is refused only once both versions
     * are done registering their handlers ({@link StableWait#settled}): the shell's command waits
     * for that; a configured canary runs, waiting, and the analysis refuses it then.
     */
    private Release run(Bundle b, Bundle stable, CanaryPolicy policy, String origin) throws BundleException {
        Release r = new Release(b, stable.getBundleId(), stable.getLastModified(), policy, origin);
        releases.put(b.getBundleId(), r);
        whiteboard.canary(b.getBundleId(), policy.routing(policy.percent()));
        try {
            b.start();
            if (origin.equals(SHELL) && splits(b.getBundleId()).isEmpty()) {
                r.verdict("waiting for the routes of " + HandlerBundles.describe(stable));
                stableWait.awaitShared(stable, b, () -> !splits(b.getBundleId()).isEmpty());
            }
            if (splits(b.getBundleId()).isEmpty() && stableWait.settled(stable, b)) {
                throw new IllegalArgumentException(stableWait.noneShared(stable, b));
            }
        } catch (BundleException | IllegalArgumentException | IllegalStateException e) {
            releases.remove(b.getBundleId());
            whiteboard.canary(b.getBundleId(), null);
            b.uninstall();
            throw new IllegalArgumentException("Cannot run " + b.getSymbolicName() + " " + b.getVersion() + " as a canary: "
                    + e.getMessage(), e);
        }
        r.newWindow(splits(b.getBundleId()), System.nanoTime());
        if (splits(b.getBundleId()).isEmpty()) {
            r.verdict("waiting for the routes of " + HandlerBundles.describe(stable));
            LOG.info(stableWait.waitsForRoutes(stable, b));
            return r;
        }
        r.verdict("warming up");
        LOG.info("Canary {} takes {} % of {} beside {}", HandlerBundles.describe(b), policy.percent(),
                routes(b.getBundleId()), HandlerBundles.describe(stable));
        return r;
    }

    /** The canaries being run. */
    public List<Release> releases() {
        return List.copyOf(releases.values());
    }

    /** The routes the canary with bundle {@code id} shares now. */
    public List<CanarySplit> splits(long id) {
        return whiteboard.splits().stream().filter(s -> s.canaryBundleId() == id).toList();
    }

    private List<String> routes(long id) {
        return splits(id).stream().map(CanarySplit::route).toList();
    }

    /**
     * The canary serving {@code routeOrName}: one of its routes ({@code /x} for {@code /x/*}, which
     * Gogo would expand as a file name unless quoted), or its symbolic name.
     */
    public Release find(String routeOrName) {
        for (Release r : releases.values()) {
            List<String> routes = routes(r.canary.getBundleId());
            if (routeOrName.equals(r.canary.getSymbolicName()) || routes.contains(routeOrName)
                    || routes.contains(routeOrName + "/*")) {
                return r;
            }
        }
        throw new IllegalArgumentException("No canary serves " + routeOrName + " (spindle:canary lists them)");
    }

    /**
     * Makes the canary the only version: the stable one gets no new request, drains and is
     * uninstalled (a jar it came from in {@code deploy/} is deleted, as by {@code spindle:undeploy}).
     * Returns what was done.
     */
    public String promote(Release r, String why) throws BundleException, InterruptedException {
        return end.promote(r, why, null);
    }

    /** Removes the canary: it gets no new request, drains and is uninstalled. Returns what was done. */
    public String rollback(Release r, String why) throws BundleException, InterruptedException {
        return end.rollback(r, why, null);
    }

    /**
     * Rolls back the canary of symbolic name {@code bsn}, if one runs, before a deploy or undeploy
     * of that handler ({@code why}): the deploy would otherwise update the canary (the newest
     * version) or leave it serving alone. A canary ending already (the analysis' rollback or
     * promotion draining) is waited for, 60 s at most. Returns what was done, or "" when none runs.
     */
    public String rollbackFor(String bsn, String why) throws BundleException, InterruptedException {
        StringBuilder out = new StringBuilder();
        for (Release r : releases.values()) {
            if (bsn.equals(r.canary.getSymbolicName())) {
                out.append(rollback(r, why + " rolls a canary in flight back first"));
                try {
                    r.forgotten.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("The canary " + HandlerBundles.describe(r.canary) + " is still ending"
                            + " after 60 s: " + why + " not done (try again once spindle:canary no longer lists it)", e);
                }
            }
        }
        return out.toString();
    }

    /** The release a configuration started, if it runs. */
    public Optional<Release> byOrigin(String origin) {
        return releases.values().stream().filter(r -> r.origin.equals(origin)).findFirst();
    }

    /** The stable versions' and the canaries' counters now, added up over {@code splits}. */
    static Sample[] sample(List<CanarySplit> splits) {
        Sample stable = null;
        Sample canary = null;
        for (CanarySplit s : splits) {
            stable = Sample.of(s.stable()).plus(stable);
            canary = Sample.of(s.canary()).plus(canary);
        }
        return stable == null ? new Sample[] {Sample.NONE, Sample.NONE} : new Sample[] {stable, canary};
    }

    private void analyseAll() {
        stableWait.retry();
        for (Release r : releases.values()) {
            try {
                analyse(r, System.nanoTime());
            } catch (Exception | LinkageError e) {
                LOG.error("The analysis of canary {} failed", HandlerBundles.describe(r.canary), e);
            }
        }
    }

    /** One look at {@code r}: judged, rolled back, stepped up or promoted. */
    void analyse(Release r, long now) throws BundleException, InterruptedException {
        if (r.ending()) {
            return;
        }
        long id = r.canary.getBundleId();
        Bundle stable = context.getBundle(r.stableBundleId);
        if (r.canary.getState() == Bundle.UNINSTALLED) {
            if (r.end()) {
                end.forget(r);
                LOG.info("Canary {} ends: it was uninstalled", HandlerBundles.describe(r.canary));
            }
            return;
        }
        if (stable == null || stable.getState() == Bundle.UNINSTALLED || stable.getLastModified() != r.stableModified) {
            end.rollback(r, stable == null || stable.getState() == Bundle.UNINSTALLED ? "its stable version [" + r.stableBundleId
                    + "] was uninstalled" : "its stable version was updated, to " + HandlerBundles.describe(stable)
                    + ": a canary is judged beside the version it started beside", endings);
            return;
        }
        List<CanarySplit> splits = splits(id);
        if (splits.isEmpty()) {
            if (stable.getState() == Bundle.ACTIVE && stableWait.settled(stable, r.canary)) {
                end.rollback(r, stableWait.noneShared(stable, r.canary), endings);
            } else {
                r.verdict(stable.getState() == Bundle.ACTIVE ? "waiting for the routes of " + HandlerBundles.describe(stable)
                        : HandlerBundles.describe(stable) + " is not active: not judged");
            }
            return;
        }
        Sample[] window = r.window(splits);
        long answered = window[1].answered();
        if (r.warming()) {
            if (answered < r.policy.minRequests()) {
                r.verdict("warming up: " + answered + " of " + r.policy.minRequests() + " requests, not judged");
            } else {
                r.warmedUp(splits, now);
                r.verdict("warm: judging");
            }
            return;
        }
        long windowNanos = TimeUnit.SECONDS.toNanos(r.policy.windowSeconds());
        long elapsed = now - r.windowStartNanos();
        String failure = Sample.failure(window[0], window[1], r.policy, elapsed >= windowNanos);
        if (failure != null) {
            end.rollback(r, "the analysis failed it: " + failure, endings);
            return;
        }
        if (elapsed < windowNanos || answered < r.policy.minRequests()) {
            r.verdict((answered < r.policy.minRequests() ? "collecting: " + answered + " of " + r.policy.minRequests()
                    + " requests" : "passing") + ", window " + TimeUnit.NANOSECONDS.toSeconds(elapsed) + " of "
                    + r.policy.windowSeconds() + " s, " + r.cleanWindows() + " clean before");
            return;
        }
        int next = r.stepUp(share -> whiteboard.canary(id, r.policy.routing(share)));
        if (next == 100) {
            end.promote(r, "clean through its steps", endings);
            return;
        }
        if (r.ending()) {
            return;
        }
        if (next > 0) {
            LOG.info("Canary {}: window {} clean, its share is now {} %", HandlerBundles.describe(r.canary),
                    r.cleanWindows(), next);
        }
        r.verdict("clean window " + r.cleanWindows() + (next > 0 ? ", stepped up to " + next + " %" : ", holding"));
        r.newWindow(splits(id), now);
    }
}
