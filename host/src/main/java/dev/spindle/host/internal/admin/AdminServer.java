package dev.spindle.host.internal.admin;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's component, beside the server: listens as PID {@code dev.spindle.admin}
 * says (no configuration or port 0: no listener) and answers from whatever {@link ServerProbe} the
 * host registers, so it outlives a restart of the server and says meanwhile that it is not ready.
 * A new port or address applies live: the listener is replaced. It serves the pages that bundles
 * mount with the {@value AdminResources#HEADER} header (the dashboard bundle) and feeds them
 * from {@code /events}, with the log read from the logging backend's {@link LogReaderService}.
 */
@Component(configurationPid = "dev.spindle.admin", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = AdminConfiguration.class)
public final class AdminServer {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServerProbe probe;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile LogReaderService logs;

    private BundleContext context;
    private AdminResources resources;
    private AdminListener listener;
    private Metrics metrics;

    @Activate
    void activate(BundleContext context, AdminConfiguration cfg) throws InterruptedException {
        this.context = context;
        resources = new AdminResources(context);
        resources.open();
        try {
            configure(cfg);
        } catch (RuntimeException | InterruptedException e) {
            resources.close();
            throw e;
        }
    }

    @Modified
    synchronized void modified(AdminConfiguration cfg) throws InterruptedException {
        configure(cfg);
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
        resources.close();
    }

    private synchronized void configure(AdminConfiguration cfg) throws InterruptedException {
        if (cfg.port() < 0 || cfg.port() > 65535) {
            throw new IllegalArgumentException("dev.spindle.admin: invalid port: " + cfg.port());
        }
        if (cfg.liveTimeoutMillis() <= 0) {
            throw new IllegalArgumentException("dev.spindle.admin: invalid liveTimeoutMillis: " + cfg.liveTimeoutMillis());
        }
        stop();
        if (cfg.port() == 0) {
            LOG.info("Admin listener off (dev.spindle.admin port = 0)");
            return;
        }
        metrics = new Metrics(() -> probe, context);
        DeployFolders deploy = new DeployFolders(context);
        Health health = new Health(() -> probe, deploy::problems, cfg.liveTimeoutMillis());
        DashboardFeed feed = new DashboardFeed(new DashboardState(() -> probe, id -> Metrics.bundleVersion(context, id),
                () -> logs));
        listener = new AdminListener(cfg.bindAddress(), cfg.port(), new AdminHandler(health, metrics, feed, resources));
        LOG.info("Admin listener on {}:{}: /health/live, /health/ready, /metrics, /events{}", cfg.bindAddress(),
                listener.address().getPort(),
                resources.paths().isEmpty() ? "" : ", " + String.join("/, ", resources.paths()) + "/");
    }

    private void stop() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        metrics = null;
    }
}
