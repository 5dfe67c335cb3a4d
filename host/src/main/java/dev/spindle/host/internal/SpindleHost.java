package dev.spindle.host.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.ServiceReference;
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
import dev.spindle.host.internal.http.EngineSettings;
import dev.spindle.host.internal.http.HttpEngine;
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

    @Activate
    void activate(HostConfiguration cfg) throws InterruptedException {
        configure(cfg);
        start();
    }

    @Modified
    void modified(HostConfiguration cfg) throws InterruptedException {
        configure(cfg);
        LOG.info("Configuration changed: restarting the listener");
        stop();
        start();
    }

    @Deactivate
    void deactivate() {
        stop();
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
        this.config = cfg;
    }

    private static void check(boolean ok, String property, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("dev.spindle.host: invalid " + property + ": " + value);
        }
    }

    private void start() throws InterruptedException {
        HostConfiguration cfg = config;
        EngineSettings settings = new EngineSettings(cfg.maxInitialLineLength(), cfg.maxHeaderSize(),
                EngineSettings.defaults().maxChunkSize(), cfg.maxBodyBytes(), cfg.keepAliveTimeoutMillis(),
                cfg.headersTimeoutMillis(), cfg.maxPipelined());
        workers = new ThreadPoolExecutor(cfg.workerThreads(), cfg.workerThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(cfg.workerQueue()), new DefaultThreadFactory("spindle-worker", true));
        workers.allowCoreThreadTimeOut(true);
        HttpEngine e = new HttpEngine(settings, whiteboard, workers, cfg.transport(), cfg.ioThreads());
        try {
            e.start(cfg.bindAddress(), cfg.port());
        } catch (RuntimeException ex) {
            workers.shutdownNow();
            throw ex;
        }
        engine = e;
    }

    private void stop() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
        if (workers != null) {
            workers.shutdown();
            workers = null;
        }
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
}
