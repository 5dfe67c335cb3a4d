package dev.spindle.host.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beside {@link SpindleHost}, outside the data path: what the host must learn from the framework
 * about its own lifecycle and its handlers'.
 *
 * <ul>
 * <li>The shutdown comes first: when the framework begins to stop (the system bundle's
 * {@code STOPPING}, delivered synchronously before any other bundle stops) or the host's own bundle
 * stops, the host drains its connections under one deadline while every handler is still there;
 * the handler bundles stop afterwards, with nothing left to wait for.</li>
 * <li>Removal is not an update: a handler whose bundle is being uninstalled or stopped by the
 * operator is no longer persistently started while it stops, one that is being updated or
 * refreshed still is. Only the latter leaves its route waiting for a replacement.</li>
 * <li>A refresh that restarts the host (a refresh of the API bundle) restarts its handlers too,
 * after it: the stopping instance hands its routes to the next one, which holds requests for them
 * (up to the grace) until their handlers are back.</li>
 * <li>With the framework property {@code spindle.stopOnSigterm=true} (the container sets it),
 * SIGTERM stops the framework as {@code stop 0} does, instead of running the JVM's shutdown
 * hooks: Felix's launcher then exits with status 0, not 143.</li>
 * </ul>
 */
final class Lifecycle implements SynchronousBundleListener {

    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
    static final String STOP_ON_SIGTERM = "spindle.stopOnSigterm";
    private static final String HANDED_OVER = "handed-over-routes";
    private static final long HAND_OVER_MAX_AGE_MILLIS = 60_000;

    private final Map<Long, Bundle> handlerBundles = new ConcurrentHashMap<>();
    private BundleContext context;
    private long ownBundle;
    private Runnable shutdown;
    private TermSignal term;

    /**
     * @param shutdown drains and stops the server; called once the framework or the host begins to stop
     * @return the routes the previous instance handed over (see {@link #close}), usually none
     */
    List<String> open(BundleContext context, Runnable shutdown) {
        this.context = context;
        this.ownBundle = context.getBundle().getBundleId();
        this.shutdown = shutdown;
        context.addBundleListener(this);
        if (Boolean.parseBoolean(context.getProperty(STOP_ON_SIGTERM))) {
            try {
                term = TermSignal.install(this::stopFramework);
            } catch (IllegalArgumentException | LinkageError e) {
                LOG.warn("{}: cannot handle SIGTERM here ({}); the JVM's default applies", STOP_ON_SIGTERM,
                        e.toString());
            }
        }
        return takeHandedOver();
    }

    /**
     * The host stops. If it restarts at once (its bundle is updated or refreshed, as a refresh of
     * the API does, while the framework runs on), the handlers it served restart with it, after
     * it: {@code routes} are written to the bundle's data area for the next instance, whose
     * requests for them then wait for the handlers instead of getting 404.
     */
    void close(List<String> routes) {
        if (context == null) {
            return;
        }
        context.removeBundleListener(this);
        if (!routes.isEmpty() && restarting()) {
            try {
                Files.write(context.getDataFile(HANDED_OVER).toPath(), routes);
            } catch (IOException | IllegalStateException | NullPointerException e) {
                LOG.warn("Cannot hand the routes over to the next host instance", e);
            }
        }
        if (term != null) {
            term.restore();
            term = null;
        }
    }

    /**
     * Whether the host's bundle is stopping to start again at once (it is updated or refreshed, as
     * a refresh of the API does, while the framework runs on), not stopped by the operator,
     * uninstalled or stopped with the framework.
     */
    boolean restarting() {
        if (context == null) {
            return false;
        }
        Bundle own = context.getBundle();
        try {
            return own.getState() == Bundle.STOPPING && own.adapt(BundleStartLevel.class).isPersistentlyStarted()
                    && context.getBundle(0).getState() == Bundle.ACTIVE;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return false;
        }
    }

    /** What the previous instance handed over, if recent (an old file is a leftover of a crash). */
    private List<String> takeHandedOver() {
        java.io.File file = context.getDataFile(HANDED_OVER);
        if (file == null || !file.exists()) {
            return List.of();
        }
        try {
            boolean recent = System.currentTimeMillis() - file.lastModified() < HAND_OVER_MAX_AGE_MILLIS;
            List<String> routes = recent ? Files.readAllLines(file.toPath()) : List.of();
            Files.delete(file.toPath());
            return routes;
        } catch (IOException e) {
            LOG.warn("Cannot read the routes handed over by the previous host instance", e);
            return List.of();
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        long id = event.getBundle().getBundleId();
        if (event.getType() == BundleEvent.STOPPING && (id == 0 || id == ownBundle)) {
            shutdown.run();
        }
    }

    /** A handler service was bound: remembers its bundle, which its unbind no longer tells. */
    void bound(long serviceId, Bundle bundle) {
        if (bundle != null) {
            handlerBundles.put(serviceId, bundle);
        }
    }

    /**
     * Whether the handler service going away is removed for good (its bundle is being uninstalled
     * or was stopped by the operator) rather than being replaced (an update, a refresh, the
     * framework stopping, the component coming back).
     */
    boolean removal(long serviceId) {
        Bundle b = handlerBundles.remove(serviceId);
        if (b == null) {
            return false; // unknown: keep the grace, as for an update
        }
        if (b.getState() == Bundle.UNINSTALLED) {
            return true;
        }
        try {
            return !b.adapt(BundleStartLevel.class).isPersistentlyStarted();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException gone) {
            return true;
        }
    }

    private void stopFramework() {
        LOG.info("SIGTERM: stopping the framework");
        try {
            context.getBundle(0).stop();
        } catch (BundleException | IllegalStateException e) {
            LOG.warn("SIGTERM: cannot stop the framework", e);
        }
    }

    /** The JVM's SIGTERM handler replaced by one of ours, kept apart so that only it needs {@code sun.misc}. */
    private static final class TermSignal {
        private final sun.misc.SignalHandler previous;

        private TermSignal(sun.misc.SignalHandler previous) {
            this.previous = previous;
        }

        static TermSignal install(Runnable onTerm) {
            return new TermSignal(sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> onTerm.run()));
        }

        void restore() {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), previous);
        }
    }
}
