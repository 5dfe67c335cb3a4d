package dev.spindle.host.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.Registration;
import dev.spindle.host.internal.router.Whiteboard;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The server component: runs the {@link HttpEngine} with the configuration of PID
 * {@code dev.spindle.host}, tracks {@link Handler} services on the whiteboard, and is the
 * {@link HttpServer} service the rest of the container sees.
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
    private HostConfiguration config;
    private HttpEngine engine;
    private ThreadPoolExecutor workers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    void activate(HostConfiguration cfg) throws InterruptedException {
        configure(cfg);
        workers = newWorkers(cfg);
        engine = startEngine(cfg);
    }

    /**
     * Applies a new configuration live. A new address or transport gets a new listener first; the
     * old one then stops accepting and finishes its requests in the background (bounded by the
     * drain timeout), so nothing in flight is dropped. Limits and timeouts apply to connections
     * opened from now on.
     */
    @Modified
    void modified(HostConfiguration cfg) throws InterruptedException {
        HostConfiguration before = config;
        configure(cfg);
        if (cfg.workerQueue() != before.workerQueue()) {
            ThreadPoolExecutor old = workers;
            workers = newWorkers(cfg);
            old.shutdown();
        } else if (cfg.workerThreads() != before.workerThreads()) {
            resizeWorkers(cfg.workerThreads());
        }
        boolean rebind = cfg.port() != before.port() || !cfg.bindAddress().equals(before.bindAddress())
                || !cfg.transport().equals(before.transport()) || cfg.ioThreads() != before.ioThreads()
                || cfg.workerQueue() != before.workerQueue();
        if (rebind) {
            HttpEngine old = engine;
            engine = startEngine(cfg);
            Thread drainer = new Thread(() -> old.close(cfg.drainTimeoutMillis()), "spindle-drain-old-listener");
            drainer.setDaemon(true);
            drainer.start();
        } else {
            engine.settings(settings(cfg));
            if (cfg.failureSummaryMillis() != before.failureSummaryMillis()) {
                engine.summarizeFailures(cfg.failureSummaryMillis());
            }
            LOG.info("Configuration changed: new limits apply to new connections");
        }
    }

    /** Stops gracefully: answers what connections already sent, within the drain timeout. */
    @Deactivate
    void deactivate() {
        if (engine != null) {
            engine.close(config.drainTimeoutMillis());
            engine = null;
        }
        if (workers != null) {
            workers.shutdown();
            workers = null;
        }
    }

    /** Validates {@code cfg}; throws naming the first bad property. */
    private void configure(HostConfiguration cfg) {
        check(cfg.port() >= 0 && cfg.port() <= 65535, "port", cfg.port());
        check(!cfg.bindAddress().isBlank(), "bindAddress", cfg.bindAddress());
        check(List.of("auto", "epoll", "nio").contains(cfg.transport()), "transport", cfg.transport());
        check(cfg.ioThreads() >= 0, "ioThreads", cfg.ioThreads());
        check(cfg.workerThreads() > 0, "workerThreads", cfg.workerThreads());
        check(cfg.workerQueue() > 0, "workerQueue", cfg.workerQueue());
        check(cfg.maxInitialLineLength() >= 64, "maxInitialLineLength", cfg.maxInitialLineLength());
        check(cfg.maxHeaderSize() >= 256, "maxHeaderSize", cfg.maxHeaderSize());
        check(cfg.maxBodyBytes() >= 0, "maxBodyBytes", cfg.maxBodyBytes());
        check(cfg.keepAliveTimeoutMillis() >= 0, "keepAliveTimeoutMillis", cfg.keepAliveTimeoutMillis());
        check(cfg.headersTimeoutMillis() >= 0, "headersTimeoutMillis", cfg.headersTimeoutMillis());
        check(cfg.maxPipelined() > 0, "maxPipelined", cfg.maxPipelined());
        check(cfg.maxHeaders() > 0, "maxHeaders", cfg.maxHeaders());
        check(cfg.maxRequestBodyBytes() >= 0, "maxRequestBodyBytes", cfg.maxRequestBodyBytes());
        check(cfg.responseTimeoutMillis() >= 0, "responseTimeoutMillis", cfg.responseTimeoutMillis());
        check(cfg.maxConnections() > 0, "maxConnections", cfg.maxConnections());
        check(cfg.blockedLoopWarnMillis() >= 0, "blockedLoopWarnMillis", cfg.blockedLoopWarnMillis());
        check(cfg.failureSummaryMillis() > 0, "failureSummaryMillis", cfg.failureSummaryMillis());
        check(cfg.writeTimeoutMillis() >= 0, "writeTimeoutMillis", cfg.writeTimeoutMillis());
        check(cfg.requestTimeoutMillis() >= 0, "requestTimeoutMillis", cfg.requestTimeoutMillis());
        check(cfg.drainTimeoutMillis() >= 0, "drainTimeoutMillis", cfg.drainTimeoutMillis());
        check(cfg.graceMillis() >= 0, "graceMillis", cfg.graceMillis());
        extraMethods(cfg.extraMethods());
        this.config = cfg;
        whiteboard.timeouts(cfg.graceMillis(), cfg.drainTimeoutMillis());
    }

    private static void check(boolean ok, String property, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("dev.spindle.host: invalid " + property + ": " + value);
        }
    }

    private static EngineSettings settings(HostConfiguration cfg) {
        return new EngineSettings(cfg.maxInitialLineLength(), cfg.maxHeaderSize(),
                EngineSettings.defaults().maxChunkSize(), cfg.maxBodyBytes(), cfg.keepAliveTimeoutMillis(),
                cfg.headersTimeoutMillis(), cfg.maxPipelined(), cfg.maxHeaders(), cfg.maxRequestBodyBytes(),
                cfg.responseTimeoutMillis(), cfg.maxConnections(), cfg.writeTimeoutMillis(),
                cfg.requestTimeoutMillis(), extraMethods(cfg.extraMethods()));
    }

    /** The {@code extraMethods} list: comma-separated tokens, upper-cased as methods are matched. */
    static java.util.Set<String> extraMethods(String value) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String m : value.split(",")) {
            String method = m.trim();
            if (!method.isEmpty()) {
                check(method.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0),
                        "extraMethods", value);
                out.add(method);
            }
        }
        return out;
    }

    private static ThreadPoolExecutor newWorkers(HostConfiguration cfg) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(cfg.workerThreads(), cfg.workerThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(cfg.workerQueue()),
                new DefaultThreadFactory("spindle-worker", true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private void resizeWorkers(int threads) {
        if (threads > workers.getMaximumPoolSize()) {
            workers.setMaximumPoolSize(threads);
            workers.setCorePoolSize(threads);
        } else {
            workers.setCorePoolSize(threads);
            workers.setMaximumPoolSize(threads);
        }
    }

    private HttpEngine startEngine(HostConfiguration cfg) throws InterruptedException {
        HttpEngine e = new HttpEngine(settings(cfg), whiteboard, workers, cfg.transport(), cfg.ioThreads());
        e.warnBlockedLoops(cfg.blockedLoopWarnMillis(), null);
        e.summarizeFailures(cfg.failureSummaryMillis());
        e.start(cfg.bindAddress(), cfg.port());
        return e;
    }

    // ---------------------------------------------------------------- the whiteboard

    @Reference(service = Handler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(Handler handler, ServiceReference<Handler> ref, Map<String, Object> props) {
        whiteboard.add(Registration.of(handler, props, ref.getBundle().getBundleId(),
                ref.getBundle().getSymbolicName()));
    }

    void updatedHandler(Handler handler, ServiceReference<Handler> ref, Map<String, Object> props) {
        bindHandler(handler, ref, props);
    }

    void unbindHandler(Handler handler, Map<String, Object> props) {
        whiteboard.remove(((Number) props.get("service.id")).longValue());
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
    public List<HandlerRegistration> handlers() {
        return whiteboard.describe();
    }

    @Override
    public Stats stats() {
        HttpEngine e = engine;
        return e == null ? null : new EngineView(e.stats());
    }

    @Override
    public List<ConnectionInfo> connections() {
        HttpEngine e = engine;
        if (e == null) {
            return List.of();
        }
        List<ConnectionInfo> out = new java.util.ArrayList<>();
        for (HttpEngine.ConnectionSnapshot c : e.connections()) {
            out.add(new Connection(c.id(), c.remoteAddress(), java.time.Duration.ofNanos(c.ageNanos()), c.requests(),
                    java.time.Duration.ofNanos(c.idleNanos()), c.state()));
        }
        return out;
    }

    @Override
    public List<Setting> configuration() {
        HostConfiguration cfg = config;
        java.util.Set<String> given = configuredKeys();
        List<Setting> out = new java.util.ArrayList<>();
        for (Map.Entry<String, java.util.function.Function<HostConfiguration, Object>> key : KEYS.entrySet()) {
            String source = given.contains(key.getKey()) ? "ConfigAdmin" : "default";
            out.add(new Config(key.getKey(), String.valueOf(key.getValue().apply(cfg)), source));
        }
        return out;
    }

    @Override
    public RouteMatch match(String method, String path) {
        return whiteboard.match(method, path);
    }

    /** The keys the ConfigAdmin configuration sets (the rest are the defaults). */
    private java.util.Set<String> configuredKeys() {
        ConfigurationAdmin ca = configAdmin;
        java.util.Set<String> keys = new java.util.HashSet<>();
        if (ca == null) {
            return keys;
        }
        try {
            org.osgi.service.cm.Configuration[] found = ca.listConfigurations("(service.pid=dev.spindle.host)");
            if (found != null && found[0].getProperties() != null) {
                keys.addAll(java.util.Collections.list(found[0].getProperties().keys()));
            }
        } catch (java.io.IOException | org.osgi.framework.InvalidSyntaxException e) {
            LOG.debug("Cannot read the configuration's keys", e);
        }
        return keys;
    }

    /** The configuration keys in documentation order. */
    private static final Map<String, java.util.function.Function<HostConfiguration, Object>> KEYS = keys();

    private static Map<String, java.util.function.Function<HostConfiguration, Object>> keys() {
        Map<String, java.util.function.Function<HostConfiguration, Object>> k = new java.util.LinkedHashMap<>();
        k.put("port", HostConfiguration::port);
        k.put("bindAddress", HostConfiguration::bindAddress);
        k.put("transport", HostConfiguration::transport);
        k.put("ioThreads", HostConfiguration::ioThreads);
        k.put("workerThreads", HostConfiguration::workerThreads);
        k.put("workerQueue", HostConfiguration::workerQueue);
        k.put("maxInitialLineLength", HostConfiguration::maxInitialLineLength);
        k.put("maxHeaderSize", HostConfiguration::maxHeaderSize);
        k.put("maxBodyBytes", HostConfiguration::maxBodyBytes);
        k.put("keepAliveTimeoutMillis", HostConfiguration::keepAliveTimeoutMillis);
        k.put("headersTimeoutMillis", HostConfiguration::headersTimeoutMillis);
        k.put("maxPipelined", HostConfiguration::maxPipelined);
        k.put("maxHeaders", HostConfiguration::maxHeaders);
        k.put("maxRequestBodyBytes", HostConfiguration::maxRequestBodyBytes);
        k.put("responseTimeoutMillis", HostConfiguration::responseTimeoutMillis);
        k.put("maxConnections", HostConfiguration::maxConnections);
        k.put("writeTimeoutMillis", HostConfiguration::writeTimeoutMillis);
        k.put("requestTimeoutMillis", HostConfiguration::requestTimeoutMillis);
        k.put("blockedLoopWarnMillis", HostConfiguration::blockedLoopWarnMillis);
        k.put("failureSummaryMillis", HostConfiguration::failureSummaryMillis);
        k.put("drainTimeoutMillis", HostConfiguration::drainTimeoutMillis);
        k.put("graceMillis", HostConfiguration::graceMillis);
        k.put("extraMethods", HostConfiguration::extraMethods);
        return java.util.Collections.unmodifiableMap(k);
    }

    private record Config(String key, String value, String source) implements Setting {
    }

    private record Connection(long id, InetSocketAddress remoteAddress, java.time.Duration age, long requests,
            java.time.Duration idle, String state) implements ConnectionInfo {
    }

    /** The engine's counters as {@link Stats}. */
    private static final class EngineView implements Stats {
        private final dev.spindle.host.internal.http.dispatch.EngineStats s;

        EngineView(dev.spindle.host.internal.http.dispatch.EngineStats s) {
            this.s = s;
        }

        @Override
        public long totalRequests() {
            return s.totalRequests();
        }

        @Override
        public double requestsPerSecond(int seconds) {
            return s.requestsPerSecond(seconds);
        }

        @Override
        public long bytesIn() {
            return s.bytesIn();
        }

        @Override
        public long bytesOut() {
            return s.bytesOut();
        }

        @Override
        public long responses(int statusClass) {
            return s.responses(statusClass);
        }

        @Override
        public long totalConnections() {
            return s.totalConnections();
        }

        @Override
        public java.time.Duration uptime() {
            return java.time.Duration.ofNanos(s.uptimeNanos());
        }
    }
}
