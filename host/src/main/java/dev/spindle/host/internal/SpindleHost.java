package dev.spindle.host.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Handler;
import dev.spindle.api.UpgradeHandler;
import dev.spindle.api.WebSocketHandler;
import dev.spindle.api.HttpServer;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.admin.ServerProbe;
import dev.spindle.host.internal.canary.CanaryRouting;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.LeakDetection;
import dev.spindle.host.internal.http.tls.TlsContexts;
import dev.spindle.host.internal.http.dispatch.WorkerPool;
import dev.spindle.host.internal.router.Registration;
import dev.spindle.host.internal.router.Whiteboard;

/**
 * Beside the data path, which it starts and stops: the server component. Runs the
 * {@link HttpEngine} with the configuration of PID {@code dev.spindle.host}, tracks {@link Handler}
 * services on the whiteboard, and is the {@link HttpServer} service the rest of the container sees.
 *
 * <p>The configuration is required: the server listens exactly as ConfigAdmin says (the container
 * ships {@code config/dev.spindle.host.cfg}), starts once, and stops when the configuration is
 * deleted. Absent keys take the defaults of {@link HostConfiguration}.
 */
@Component(service = HttpServer.class, immediate = true, configurationPid = "dev.spindle.host",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = HostConfiguration.class)
public final class SpindleHost implements HttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(SpindleHost.class);

    private final Whiteboard whiteboard = new Whiteboard();
    /** The configuration in effect. */
    private volatile HostConfiguration config;
    /** The keys of the last configuration refused since the last one applied: what they asked for. */
    private volatile Map<String, String> refused = Map.of();
    private volatile HttpEngine engine;
    /** The certificate the TLS listener serves, watched for changes. */
    private final HostTls tls = new HostTls();
    private WorkerPool workers;
    private final Lifecycle lifecycle = new Lifecycle();
    private ParkedListeners parked;
    /** Set as the shutdown begins: the admin listener's readiness says so while connections drain. */
    private volatile boolean stopping;
    private org.osgi.framework.ServiceRegistration<ServerProbe> probe;
    /** The whiteboard offered to the canary releases (see {@link CanaryRouting}). */
    private CanaryRouting canaryRouting;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    void activate(BundleContext context, HostConfiguration cfg, Map<String, Object> props) throws InterruptedException {
        ConfigKeys.validate(cfg, props);
        LOG.debug("Netty's buffer leak detector: {}", LeakDetection.applyDefault());
        // the certificate loads (OpenSSL's first context takes a while) while the cleartext
        // listener starts: a restart of the host, as in a refresh of the API bundle, leaves the
        // cleartext port without a listener no longer than it did without TLS
        CompletableFuture<TlsContexts> certificate = HostTls.load(cfg);
        workers = new WorkerPool(cfg.workerThreads(), cfg.maxWorkersPerHandler(), cfg.workerQueue(),
                cfg.workerQueueTimeoutMillis());
        commit(cfg);
        whiteboard.expect(lifecycle.open(context, this::shutdown));
        parked = new ParkedListeners(context, () -> config.graceMillis());
        try {
            engine = newEngine(cfg);
            engine.start(cfg.bindAddress(), cfg.port());
        } catch (RuntimeException | InterruptedException failed) {
            if (certificate != null) {
                certificate.thenAccept(TlsContexts::close);
            }
            throw failed;
        }
        if (certificate != null) {
            try {
                engine.listeners().startTls(cfg.bindAddress(), cfg.tlsPort(), false, tls.loaded(certificate));
            } catch (RuntimeException | InterruptedException failed) {
                deactivate();
                throw failed;
            }
        }
        parked.closeUnclaimed();
        whiteboard.engine(() -> {
            HttpEngine e = engine;
            return e != null && e.inEventLoop();
        }, target -> {
            HttpEngine e = engine;
            if (e != null) {
                e.endServedBy(target, Outcome.HANDLER_REMOVED);
            }
        });
        WorkerPool pool = workers;
        probe = context.registerService(ServerProbe.class, new HostProbe(() -> engine, () -> stopping, whiteboard,
                pool::waiting), null);
        canaryRouting = CanaryRouting.offer(context, whiteboard);
    }

    /**
     * Applies a new configuration live, whole or not at all: a refused one (a bad value, a listener
     * that cannot bind) is logged with its key and the configuration in effect stays, as
     * {@code spindle:config} shows. A new port, address, transport or event-loop count gets a new
     * listener first (the same port is shared while both exist, see {@link #replaceEngine}); the
     * old one then stops accepting and its connections close after their next response. The
     * worker pool, its limits, the drain and grace times and the blocked-loop check change at
     * once; connection limits and timeouts apply to connections opened from then on.
     */
    @Modified
    synchronized void modified(HostConfiguration cfg, Map<String, Object> props) {
        if (engine == null) {
            return; // shutting down: the next activation reads the configuration again
        }
        HostConfiguration before = config;
        List<String> changed;
        try {
            ConfigKeys.validate(cfg, props);
            changed = ConfigKeys.changed(before, cfg);
        } catch (ConfigKeys.InvalidKey e) {
            LOG.error("Configuration refused, the one in effect stays: {}", e.getMessage());
            refused = Map.of(e.key, String.valueOf(e.value));
            return;
        }
        List<String> listener = new ArrayList<>(changed);
        listener.retainAll(ConfigKeys.LISTENER);
        TlsContexts tlsBefore = tls.current();
        try {
            tls.change(cfg, changed);
        } catch (ConfigKeys.InvalidKey e) {
            LOG.error("Configuration refused, the one in effect stays: {}", e.getMessage());
            refused = Map.of(e.key, String.valueOf(e.value));
            return;
        }
        if (!listener.isEmpty()) {
            try {
                replaceEngine(cfg);
            } catch (InterruptedException | RuntimeException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                tls.undo(tlsBefore, before);
                LOG.error("Configuration refused, the one in effect stays: cannot apply {}: {}",
                        ConfigKeys.describe(cfg, listener), e.getMessage());
                Map<String, String> asked = new java.util.LinkedHashMap<>();
                for (String key : listener) {
                    asked.put(key, String.valueOf(ConfigKeys.KEYS.get(key).apply(cfg)));
                }
                refused = asked;
                return;
            }
        } else {
            engine.settings(ConfigKeys.settings(cfg));
            engine.webSocketSettings(ConfigKeys.webSocket(cfg));
            if (cfg.blockedLoopWarnMillis() != before.blockedLoopWarnMillis()) {
                engine.warnBlockedLoops(cfg.blockedLoopWarnMillis(), null);
            }
            if (cfg.failureSummaryMillis() != before.failureSummaryMillis()) {
                engine.summarizeFailures(cfg.failureSummaryMillis());
            }
            engine.accessLog(cfg.accessLog());
        }
        if (tlsBefore != null && tls.current() != tlsBefore) {
            tlsBefore.close();
        }
        workers.resize(cfg.workerThreads(), cfg.maxWorkersPerHandler(), cfg.workerQueue(),
                cfg.workerQueueTimeoutMillis());
        commit(cfg);
        LOG.info("Configuration applied: {}", changed.isEmpty() ? "no change" : ConfigKeys.describe(cfg, changed));
    }

    /** Stops gracefully: answers what connections already sent, within the drain timeout. */
    @Deactivate
    void deactivate() {
        shutdown();
        if (probe != null) {
            probe.unregister();
            probe = null;
        }
        if (canaryRouting != null) {
            canaryRouting.close();
            canaryRouting = null;
        }
        lifecycle.close(whiteboard.routes());
        tls.close();
        if (workers != null) {
            workers.shutdown();
            workers = null;
        }
    }

    /**
     * Closes the listener and drains the connections under one deadline (see
     * {@link HttpEngine#close(long)}); once, from whichever comes first: the framework or the host
     * bundle beginning to stop ({@link Lifecycle}), or the deactivation.
     */
    private synchronized void shutdown() {
        stopping = true;
        HttpEngine e = engine;
        if (e != null) {
            engine = null;
            // restarting at once (an update of the host, a refresh of the API): the listening
            // sockets stay open for the next instance, so that no client is refused or reset
            e.close(config.drainTimeoutMillis(), config.graceMillis() > 0 && lifecycle.restarting());
        }
    }

    /** {@code cfg} is in effect: shown by {@code spindle:config}, the whiteboard's times follow it. */
    private void commit(HostConfiguration cfg) {
        config = cfg;
        refused = Map.of();
        whiteboard.timeouts(cfg.graceMillis(), cfg.drainTimeoutMillis());
    }

    /**
     * Starts the engine for {@code cfg} beside the running one, then retires the old one in the
     * background (bounded by the drain timeout). A listening socket whose address and transport
     * stay (new event loops, or only the other port changed) passes to the new engine as it is;
     * another one binds beside the old where the transport shares ports ({@code SO_REUSEPORT}),
     * and where it does not, the old listener closes just before the new one binds, and the gap is
     * logged. Throws, with the old engine untouched and listening, if the new one cannot start.
     */
    private void replaceEngine(HostConfiguration cfg) throws InterruptedException {
        HttpEngine old = engine;
        HttpEngine fresh;
        boolean samePort = cfg.port() != 0 && old.listeners().address() != null && old.listeners().address().getPort() == cfg.port();
        boolean sameTlsPort = cfg.tlsPort() != 0 && old.listeners().tlsAddress() != null && old.listeners().tlsAddress().getPort() == cfg.tlsPort();
        try {
            fresh = startEngine(cfg, old, samePort, sameTlsPort);
        } catch (IllegalStateException bindFailed) {
            if (!samePort || old.listeners().sharesPort()) {
                throw bindFailed;
            }
            long closed = System.nanoTime();
            old.listeners().close(() -> { });
            try {
                fresh = startEngine(cfg, null, true, true);
            } catch (IllegalStateException again) {
                old.listeners().listenAgain();
                throw again;
            }
            LOG.info("Port {} rebound after closing the old listener: {} µs without a listener", cfg.port(),
                    (System.nanoTime() - closed) / 1000);
        }
        engine = fresh;
        long drain = cfg.drainTimeoutMillis();
        Thread retire = new Thread(() -> old.retire(drain), "spindle-retire-old-listener");
        retire.setDaemon(true);
        retire.start();
    }

    /**
     * A new engine for {@code cfg}, listening; it takes over those of {@code old}'s listening
     * sockets (null at the start) that it would open anyway, once nothing else can fail.
     * {@code ownPort}, {@code ownTlsPort}: the port is this server's already (a replacement
     * listener binds beside the old one).
     */
    private HttpEngine startEngine(HostConfiguration cfg, HttpEngine old, boolean ownPort, boolean ownTlsPort)
            throws InterruptedException {
        HttpEngine e = newEngine(cfg);
        boolean keep = old != null && e.listeners().canAdopt(old.listeners(), cfg.bindAddress(), cfg.port());
        boolean keepTls = old != null && cfg.tlsPort() != 0 && e.listeners().canAdoptTls(old.listeners(), cfg.bindAddress(), cfg.tlsPort());
        try {
            if (!keep && ownPort) {
                e.listeners().replaceBeside(cfg.bindAddress(), cfg.port());
            } else if (!keep) {
                e.start(cfg.bindAddress(), cfg.port());
            }
            if (cfg.tlsPort() != 0 && !keepTls) {
                e.listeners().startTls(cfg.bindAddress(), cfg.tlsPort(), ownTlsPort, tls.current());
            }
        } catch (IllegalStateException | InterruptedException failed) {
            e.close();
            throw failed;
        }
        if (keep) {
            e.listeners().adopt(old.listeners());
        }
        if (keepTls) {
            e.listeners().adoptTls(old.listeners(), tls.current());
        }
        return e;
    }

    /** An engine for {@code cfg}, not listening yet. */
    private HttpEngine newEngine(HostConfiguration cfg) {
        HttpEngine e = new HttpEngine(ConfigKeys.settings(cfg), whiteboard, workers, cfg.transport(), cfg.ioThreads());
        e.webSocketSettings(ConfigKeys.webSocket(cfg));
        e.warnBlockedLoops(cfg.blockedLoopWarnMillis(), null);
        e.summarizeFailures(cfg.failureSummaryMillis());
        e.accessLog(cfg.accessLog());
        e.listeners().parking(parked);
        return e;
    }

    // ---------------------------------------------------------------- the whiteboard

    @Reference(service = Handler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(Handler handler, ServiceReference<Handler> ref, Map<String, Object> props) {
        lifecycle.bound(((Number) props.get("service.id")).longValue(), ref.getBundle());
        whiteboard.add(Registration.of(handler, props, ref.getBundle().getBundleId(),
                ref.getBundle().getSymbolicName()));
    }

    /** A WebSocket or upgrade handler service came: remembers its bundle, as {@link #bindHandler}, and adds {@code r}. */
    private void bind(ServiceReference<?> ref, Map<String, Object> props,
            java.util.function.BiFunction<Long, String, Registration> r) {
        lifecycle.bound(((Number) props.get("service.id")).longValue(), ref.getBundle());
        whiteboard.add(r.apply(ref.getBundle().getBundleId(), ref.getBundle().getSymbolicName()));
    }

    void updatedHandler(Handler handler, ServiceReference<Handler> ref, Map<String, Object> props) {
        bindHandler(handler, ref, props);
    }

    void unbindHandler(Handler handler, Map<String, Object> props) {
        long id = ((Number) props.get("service.id")).longValue();
        whiteboard.remove(id, lifecycle.removal(id));
    }

    @Reference(service = WebSocketHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindWebSocketHandler(WebSocketHandler handler, ServiceReference<WebSocketHandler> ref, Map<String, Object> props) {
        bind(ref, props, (bundle, bsn) -> Registration.ofWebSocket(handler, props, bundle, bsn));
    }

    void updatedWebSocketHandler(WebSocketHandler handler, ServiceReference<WebSocketHandler> ref, Map<String, Object> props) {
        bindWebSocketHandler(handler, ref, props);
    }

    void unbindWebSocketHandler(WebSocketHandler handler, Map<String, Object> props) {
        long id = ((Number) props.get("service.id")).longValue();
        whiteboard.removeWebSocket(id, lifecycle.removal(id));
    }

    @Reference(service = UpgradeHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindUpgradeHandler(UpgradeHandler handler, ServiceReference<UpgradeHandler> ref, Map<String, Object> props) {
        bind(ref, props, (bundle, bsn) -> Registration.ofUpgrade(handler, props, bundle, bsn));
    }

    void updatedUpgradeHandler(UpgradeHandler handler, ServiceReference<UpgradeHandler> ref, Map<String, Object> props) {
        bindUpgradeHandler(handler, ref, props);
    }

    void unbindUpgradeHandler(UpgradeHandler handler, Map<String, Object> props) {
        long id = ((Number) props.get("service.id")).longValue();
        whiteboard.removeUpgrade(id, lifecycle.removal(id));
    }

    // ---------------------------------------------------------------- HttpServer

    @Override
    public InetSocketAddress address() {
        HttpEngine e = engine;
        return e == null ? null : e.address();
    }

    @Override
    public String transport() {
        HttpEngine e = engine;
        return e == null ? null : e.transport();
    }

    @Override
    public int openConnections() {
        HttpEngine e = engine;
        return e == null ? 0 : e.openConnections();
    }

    @Override
    public long totalRequests() {
        HttpEngine e = engine;
        return e == null ? 0 : e.totalRequests();
    }

    @Override
    public TlsInfo tls() {
        HttpEngine e = engine;
        return tls.info(e == null ? null : e.listeners().tlsAddress());
    }

    @Override
    public List<HandlerRegistration> handlers() {
        return whiteboard.describe();
    }

    @Override
    public Stats stats() {
        HttpEngine e = engine;
        return e == null ? null : new ServerViews.EngineView(e.stats());
    }

    @Override
    public List<ConnectionInfo> connections() {
        return ServerViews.connections(engine);
    }

    @Override
    public List<SocketInfo> sockets() {
        return ServerViews.sockets(engine);
    }

    @Override
    public List<Setting> configuration() {
        return ServerViews.configuration(config, configAdmin, refused);
    }

    @Override
    public RouteMatch match(String method, String path) {
        return whiteboard.match(method, path);
    }
}
