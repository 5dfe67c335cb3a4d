package dev.spindle.host.internal.canary;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.router.Whiteboard;
import dev.spindle.host.internal.shell.HandlerBundles;

/**
 * Beside the data path: when a canary's stable version is ready for it. A configured canary whose
 * stable version does not run yet (after a refresh of the API bundle the host may start before the
 * handler bundles; a start may find it stopped) waits here, and is applied again on the analysis
 * thread once an active handler bundle of its symbolic name, another version, has registered its
 * handlers and the whiteboard has them all. A canary that shares no route with its stable version
 * is refused only once both have been <em>settled</em>: neither registered a handler for
 * {@code dev.spindle.canary.settleMillis} (default 10 s), so that a version still registering
 * its handlers (a refresh starts both bundles at once) does not get its canary uninstalled.
 */
final class StableWait implements ServiceListener {

    /** The framework property that sets how long both versions must register nothing before a canary sharing no route is refused. */
    static final String SETTLE_PROPERTY = "dev.spindle.canary.settleMillis";

    private final BundleContext context;
    private final Whiteboard whiteboard;
    private final HandlerBundles bundles;
    private final Executor analysis;
    private final long settleNanos;
    /** Registrations before this were not seen: they count as made now. */
    private final long since = System.nanoTime();
    /** When a bundle, by id, last registered a handler service. */
    private final Map<Long, Long> registered = new ConcurrentHashMap<>();
    /** Configured canaries waiting for their stable version, by configuration PID. */
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();

    StableWait(BundleContext context, Whiteboard whiteboard, Executor analysis) {
        this.context = context;
        this.whiteboard = whiteboard;
        this.bundles = new HandlerBundles(context);
        this.analysis = analysis;
        String settle = context.getProperty(SETTLE_PROPERTY);
        this.settleNanos = TimeUnit.MILLISECONDS.toNanos(settle == null ? 10_000 : Long.parseLong(settle.trim()));
    }

    /** The filter of the handler services this listens to. */
    static String filter() {
        return "(" + Constants.OBJECTCLASS + "=" + Handler.class.getName() + ")";
    }

    @Override
    public void serviceChanged(ServiceEvent e) {
        Bundle b = e.getServiceReference().getBundle();
        if (e.getType() != ServiceEvent.REGISTERED || b == null) {
            return;
        }
        registered.put(b.getBundleId(), System.nanoTime());
        if (!waiting.isEmpty()) {
            analysis.execute(this::retry);
        }
    }

    /**
     * Runs {@code retry} on the analysis thread once a stable version for a canary {@code bsn}
     * {@code version} is ready (checked now, at each handler registration and at each analysis
     * tick). Replaces what {@code pid} waited for before.
     */
    void whenStable(String bsn, String version, String pid, Runnable retry) {
        waiting.put(pid, new Waiting(bsn, org.osgi.framework.Version.parseVersion(version), retry));
        analysis.execute(this::retry);
    }

    /** {@code pid} waits no longer (its configuration went). */
    void stopWaiting(String pid) {
        waiting.remove(pid);
    }

    /** Applies again the configurations whose stable version is ready. On the analysis thread. */
    void retry() {
        for (var e : waiting.entrySet()) {
            Waiting w = e.getValue();
            if (ready(w.bsn, w.version) && waiting.remove(e.getKey(), w)) {
                w.retry.run();
            }
        }
    }

    /**
     * Whether an active handler bundle {@code bsn}, not at {@code version}, has registered
     * handlers, each of them known to the whiteboard already (the whiteboard may hear of a
     * registration after this class does).
     */
    private boolean ready(String bsn, org.osgi.framework.Version version) {
        return Arrays.stream(context.getBundles()).anyMatch(b -> bsn.equals(b.getSymbolicName())
                && !version.equals(b.getVersion()) && b.getState() == Bundle.ACTIVE && bundles.isHandlerBundle(b)
                && caughtUp(b));
    }

    /** Whether {@code b} registered handler services and the whiteboard has all of them. */
    private boolean caughtUp(Bundle b) {
        ServiceReference<?>[] refs = b.getRegisteredServices();
        Set<Long> handlers = refs == null ? Set.of() : Arrays.stream(refs)
                .filter(r -> Arrays.asList((String[]) r.getProperty(Constants.OBJECTCLASS)).contains(Handler.class.getName()))
                .map(r -> (Long) r.getProperty(Constants.SERVICE_ID)).collect(Collectors.toSet());
        Set<Long> known = whiteboard.describe().stream().map(HttpServer.HandlerRegistration::serviceId)
                .collect(Collectors.toSet());
        return !handlers.isEmpty() && known.containsAll(handlers);
    }

    /** How long ago {@code a} or {@code b}, whichever was last, registered a handler (or this started, if later). */
    long quietNanos(Bundle a, Bundle b) {
        long last = Math.max(since, Math.max(registered.getOrDefault(a.getBundleId(), since),
                registered.getOrDefault(b.getBundleId(), since)));
        return System.nanoTime() - last;
    }

    /** Whether neither {@code a} nor {@code b} registered a handler for the settle time: both are done registering. */
    boolean settled(Bundle a, Bundle b) {
        return quietNanos(a, b) >= settleNanos;
    }

    /** The settle time, for the logs. */
    long settleMillis() {
        return TimeUnit.NANOSECONDS.toMillis(settleNanos);
    }

    /** Why a canary that shares no route with {@code stable} is refused now: the log's words. */
    String noneShared(Bundle stable, Bundle canary) {
        return "it serves none of the routes of " + HandlerBundles.describe(stable) + " (neither version registered a"
                + " handler for " + TimeUnit.NANOSECONDS.toMillis(quietNanos(stable, canary)) + " ms, the settle time being "
                + settleMillis() + " ms)";
    }

    /** What a canary sharing no route yet with {@code stable} does: the log's words. */
    String waitsForRoutes(Bundle stable, Bundle canary) {
        return "Canary " + HandlerBundles.describe(canary) + " waits for the routes of " + HandlerBundles.describe(stable)
                + ": it shares none yet, and one of them registered a handler " + TimeUnit.NANOSECONDS.toMillis(
                quietNanos(stable, canary)) + " ms ago; it is rolled back if it shares none once neither registered one"
                + " for " + settleMillis() + " ms";
    }

    /** Waits until {@code shared}, or until {@code a} and {@code b} are settled; each routing change looks again. */
    void awaitShared(Bundle a, Bundle b, BooleanSupplier shared) {
        try {
            while (!shared.getAsBoolean() && !settled(a, b)) {
                CountDownLatch changed = new CountDownLatch(1);
                whiteboard.onNextChange(changed::countDown);
                if (!shared.getAsBoolean()) {
                    changed.await(settleNanos - quietNanos(a, b) + 1, TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Waiting(String bsn, org.osgi.framework.Version version, Runnable retry) {
    }
}
