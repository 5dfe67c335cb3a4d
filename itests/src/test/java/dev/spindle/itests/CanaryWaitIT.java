package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.spindle.api.Handler;

/**
 * A canary beside a stable version that is active but has not registered its handler yet (as
 * during a refresh, which starts both versions at once): the canary waits for the stable version's
 * routes instead of being uninstalled for "serving none of them", from the shell and from a
 * configuration. The stable version here is the swap handler without its components; the test
 * registers its handler from that bundle when it chooses. The settle time is widened to 60 s so
 * that only the registration ends the wait.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CanaryWaitIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

    @Inject
    private ConfigurationAdmin admin;

    private int port;
    private Path jars;
    private Bundle stable;
    private ServiceRegistration<?> handler;

    @Configuration
    public Option[] config() {
        return Provisioning.withShell(systemProperty("dev.spindle.canary.settleMillis").value("60000"));
    }

    /** Each test starts from a swap handler 1.0.0 that is active and registers nothing. */
    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        jars = Paths.get(System.getProperty("spindle.work"), "canary-wait");
        java.nio.file.Files.createDirectories(jars);
        Path silent = Jars.swapHandler(jars.resolve("silent-1.0.0.jar"), main -> {
            main.put(new Attributes.Name("Bundle-Version"), "1.0.0");
            main.remove(new Attributes.Name("Service-Component"));
        });
        try (InputStream in = Jars.open(silent)) {
            stable = context.installBundle("silent-" + System.nanoTime(), in);
        }
        stable.start();
    }

    @After
    public void tearDown() throws Exception {
        SwapBundle.uninstallAll(context);
    }

    /** Registers the stable version's handler on {@code /swap/*}, from its own bundle. */
    private void registerStableHandler() {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Handler.ROUTE, "/swap/*");
        handler = stable.getBundleContext().registerService(Handler.class.getName(),
                (Handler) (req, res) -> res.end("version=1.0.0"), props);
    }

    private boolean canaryActive() {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName()) && b.getVersion().toString().equals("2.0.0")
                    && b.getState() == Bundle.ACTIVE) {
                return true;
            }
        }
        return false;
    }

    private String run(String command) throws Exception {
        return Gogo.run(processor, command);
    }

    /** The versions answering {@code /swap}, over 20 requests. */
    private Set<String> versions() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(Http.get(port, "/swap").body);
        }
        return seen;
    }

    @Test
    public void theShellsCanaryWaitsForTheStableVersionsRoutes() throws Exception {
        String v2 = Jars.swapHandler(jars, "2.0.0").toString();
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return run("spindle:canary " + v2 + " 50");
            } catch (Exception e) {
                return "failed: " + e;
            }
        });
        CanaryIT.await("the canary runs, waiting", () -> {
            try {
                return answer.isDone() || run("spindle:canary").contains("waiting for the routes of dev.spindle.swap 1.0.0");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertTrue("the command waits while the stable version registers nothing: " + (answer.isDone() ? answer.join() : ""),
                !answer.isDone());
        registerStableHandler();
        String started = answer.get(60, TimeUnit.SECONDS);
        assertTrue(started, started.contains("takes 50 % of /swap/*"));
        assertEquals(Set.of("version=1.0.0", "version=2.0.0"), versions());
        assertTrue(run("spindle:rollback dev.spindle.swap").contains("Rolled back dev.spindle.swap 2.0.0"));
        handler.unregister();
    }

    @Test
    public void aConfiguredCanaryWaitsForTheStableVersionsRoutes() throws Exception {
        org.osgi.service.cm.Configuration cfg = admin.createFactoryConfiguration("dev.spindle.canary", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("location", Jars.swapHandler(jars, "2.0.0").toString());
        props.put("percent", "50");
        cfg.update(props);
        CanaryIT.await("the configured canary waits for the stable version's routes", () -> {
            try {
                return run("spindle:canary").contains("waiting for the routes of dev.spindle.swap 1.0.0");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        registerStableHandler();
        CanaryIT.await("both versions answer", () -> {
            try {
                return versions().equals(Set.of("version=1.0.0", "version=2.0.0"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        cfg.delete();
        CanaryIT.await("the deleted configuration's canary is rolled back", () -> !canaryActive());
        handler.unregister();
    }
}
