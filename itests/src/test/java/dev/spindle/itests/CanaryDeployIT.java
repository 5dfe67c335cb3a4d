package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
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

/**
 * A canary in flight is rolled back when its handler is deployed, undeployed or its stable version
 * goes away by another path (updated in place, as File Install does with a replaced jar in
 * {@code deploy/}, or uninstalled): neither a new version hidden behind the canary's share nor a
 * canary left to serve alone, unjudged.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CanaryDeployIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

    private int port;
    private Path jars;
    private Bundle stable;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort()),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject());
    }

    /** Each test starts from the swap handler 1.0.0 with a canary 2.0.0 at 50 %. */
    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        jars = Paths.get(System.getProperty("spindle.work"), "canary-deploy");
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                b.uninstall();
            }
        }
        try (InputStream in = Jars.open(Jars.swapHandler(jars, "1.0.0"))) {
            stable = context.installBundle("stable-" + System.nanoTime(), in);
        }
        stable.start();
        SwapBundle.awaitVersion(port, "1.0.0", HotDeploys.SWAP_LIMIT);
        String started = run("spindle:canary " + Jars.swapHandler(jars, "2.0.0") + " 50");
        assertTrue(started, started.contains("takes 50 % of /swap/*"));
    }

    private String run(String command) throws Exception {
        return Gogo.run(processor, command);
    }

    private List<String> swapVersions() {
        return java.util.Arrays.stream(context.getBundles()).filter(b -> "dev.spindle.swap".equals(b.getSymbolicName())
                && b.getState() != Bundle.UNINSTALLED).map(b -> b.getVersion().toString()).sorted().toList();
    }

    private void awaitNoCanary() throws InterruptedException {
        CanaryIT.await("no canary listed", () -> {
            try {
                return run("spindle:canary").lines().count() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private void assertOnlyServed(String version) throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals("version=" + version, Http.get(port, "/swap").body);
        }
    }

    @Test
    public void undeployingTheStableVersionRollsTheCanaryBackFirst() throws Exception {
        String answer = run("spindle:undeploy " + stable.getBundleId());
        assertTrue(answer, answer.contains("Rolled back dev.spindle.swap 2.0.0") && answer.contains("Undeployed dev.spindle.swap 1.0.0"));
        assertEquals(List.of(), swapVersions());
        awaitNoCanary();
    }

    @Test
    public void deployingANewVersionRollsTheCanaryBackFirst() throws Exception {
        String answer = run("spindle:deploy " + Jars.swapHandler(jars, "1.1.0"));
        assertTrue(answer, answer.contains("Rolled back dev.spindle.swap 2.0.0") && answer.contains("Updated dev.spindle.swap 1.0.0"));
        assertEquals(List.of("1.1.0"), swapVersions());
        awaitNoCanary();
        assertOnlyServed("1.1.0");
    }

    @Test
    public void theStableVersionUpdatedInPlaceRollsTheCanaryBack() throws Exception {
        try (InputStream in = Jars.open(Jars.swapHandler(jars, "1.1.0"))) {
            stable.update(in); // what File Install does with a jar replaced in deploy/
        }
        CanaryIT.await("the canary rolled back", () -> swapVersions().equals(List.of("1.1.0")));
        awaitNoCanary();
        assertOnlyServed("1.1.0");
    }

    @Test
    public void theStableVersionUninstalledRollsTheCanaryBack() throws Exception {
        stable.uninstall();
        CanaryIT.await("the canary rolled back", () -> swapVersions().isEmpty());
        awaitNoCanary();
    }
}
