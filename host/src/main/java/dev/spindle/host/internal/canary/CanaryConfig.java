package dev.spindle.host.internal.canary;

import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.shell.BundleJar;

/**
 * Beside the data path: a canary asked for by configuration, one per factory configuration of
 * PID {@code dev.spindle.canary} (File Install makes one of {@code config/dev.spindle.canary-<name>.cfg}),
 * so that canaries can be scripted and survive a restart: at each activation the jar's bundle is
 * installed as a canary, or, installed already (after a restart, or a change of the file), run
 * as one again under the configuration's policy. Deleting the configuration rolls the canary
 * back; a promotion or a rollback deletes the configuration (and File Install its file).
 */
@Component(configurationPid = CanaryConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = CanaryConfig.Config.class, factory = true)
public final class CanaryConfig {

    static final String PID = "dev.spindle.canary";
    private static final Logger LOG = LoggerFactory.getLogger(CanaryConfig.class);
    /** ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED (DS 1.1), whose jar the build does not have. */
    private static final int CONFIGURATION_DELETED = 4;

    @ObjectClassDefinition(name = "Spindle canary release", description = "A handler bundle's next version beside the"
            + " running one, at a share of its routes' requests, judged every window")
    public @interface Config {
        @AttributeDefinition(description = "the canary's jar: a file (absolute, or relative to the container folder) or a URL")
        String location();

        @AttributeDefinition(description = "its first share of the requests, 1 to 99 percent")
        int percent() default 10;

        @AttributeDefinition(description = "the analysis window, seconds")
        int windowSeconds() default 30;

        @AttributeDefinition(description = "requests the canary must serve in a window before it is judged")
        int minRequests() default 100;

        @AttributeDefinition(description = "how far its 5xx rate may be above the stable version's, percentage points")
        double max5xxPoints() default 1;

        @AttributeDefinition(description = "how many times the stable version's p99 latency its own may be")
        double maxP99Ratio() default 2;

        @AttributeDefinition(description = "shares to step up to after each clean window, comma-separated, 100 last"
                + " for a full promotion; empty: it stays until spindle:promote")
        String steps() default "";

        @AttributeDefinition(description = "a request header whose value's hash keeps a client on one version")
        String stickyHeader() default "";

        @AttributeDefinition(description = "a cookie whose value's hash keeps a client on one version")
        String stickyCookie() default "";
    }

    private final Canaries canaries;
    private final String pid;

    private final Config cfg;
    private final Map<String, Object> props;
    private volatile boolean active = true;

    @Activate
    public CanaryConfig(@Reference(name = "canaries") Canaries canaries, Config cfg, Map<String, Object> props) {
        this.canaries = canaries;
        this.pid = String.valueOf(props.get("service.pid"));
        this.cfg = cfg;
        this.props = props;
        apply(true);
    }

    /**
     * Runs the configured canary; with no stable version running yet, waits for one (logged once,
     * at {@code first}), so that a refresh of the API bundle or a start, which may start the host
     * before the handler bundles, does not lose it.
     */
    private synchronized void apply(boolean first) {
        if (!active) {
            return;
        }
        try {
            CanaryPolicy policy = CanaryPolicy.DEFAULT.with(props);
            BundleJar jar = BundleJar.read(cfg.location());
            Optional<Bundle> there = canaries.installed(jar.symbolicName(), jar.version());
            Release r = there.isPresent() ? canaries.adopt(there.get(), policy, pid)
                    : canaries.start(jar.uri(), jar.bytes(), jar.symbolicName(), jar.version(), policy, pid);
            LOG.info("Canary configuration {} runs {} {} at {} %", pid, jar.symbolicName(), jar.version(), r.percent());
        } catch (NoStable e) {
            if (first) {
                LOG.info("Canary configuration {} waits for its stable version: {}", pid, e.getMessage());
            }
            canaries.whenStable(e.bsn, e.version, pid, () -> apply(false));
        } catch (IllegalArgumentException | BundleException | IllegalStateException e) {
            LOG.error("Canary configuration {} not applied: {}", pid, e.getMessage());
        }
    }

    /** The configuration was deleted: its canary is rolled back (on a thread of its own: the drain may take a while). */
    @Deactivate
    void deactivate(int reason) {
        synchronized (this) {
            active = false;
            canaries.stopWaiting(pid);
        }
        if (reason != CONFIGURATION_DELETED) {
            return;
        }
        canaries.byOrigin(pid).ifPresent(r -> {
            Thread t = new Thread(() -> {
                try {
                    canaries.rollback(r, "its configuration " + pid + " was deleted");
                } catch (BundleException | RuntimeException e) {
                    LOG.error("Cannot roll back the canary of the deleted configuration {}", pid, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "spindle-canary-rollback");
            t.setDaemon(true);
            t.start();
        });
    }
}
