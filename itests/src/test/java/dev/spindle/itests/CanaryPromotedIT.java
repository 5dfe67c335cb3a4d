package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * A promoted canary's later life on the assembled container: a promotion writes its jar into
 * deploy/, where the stable version's was, while the bundle keeps the location it was installed
 * from (jars/). {@code spindle:undeploy} must still delete that deploy/ jar, and
 * {@code spindle:deploy} of a newer version must go through it, so that a restart (which runs
 * what deploy/ holds) neither brings the undeployed handler back nor an old version beside the new.
 */
class CanaryPromotedIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    @Test
    void anUndeployedPromotedCanaryDoesNotComeBackAfterARestart() throws Exception {
        try (Container c = promoted("canary-promoted-undeploy")) {
            String undeployed = c.script("spindle:undeploy dev.spindle.swap");
            assertTrue(undeployed.contains("Undeployed dev.spindle.swap 2.0.0")
                    && undeployed.contains("deleted deploy/swap-2.0.0.jar"), undeployed);
            assertEquals(0, swapJars(c), "no swap jar left in deploy/");
            assertEquals(404, Http.get(c.port, "/swap").status);

            restart(c);
            assertEquals(0, swapBundles(c), "no swap bundle after the restart\n" + c.script("lb -s"));
            assertEquals(404, Http.get(c.port, "/swap").status, "nothing serves /swap after the restart");
        }
    }

    @Test
    void aNewerVersionDeployedOverAPromotedCanaryIsTheOnlyOneAfterARestart() throws Exception {
        try (Container c = promoted("canary-promoted-deploy")) {
            // a redeploy from where it came from reads its jar in deploy/ (the one in jars/ may be gone)
            Files.delete(c.home.resolve("jars/swap-2.0.0.jar"));
            String redeployed = c.script("spindle:redeploy dev.spindle.swap");
            assertTrue(redeployed.contains("Redeployed dev.spindle.swap 2.0.0"), redeployed);
            assertEquals("version=2.0.0", Http.get(c.port, "/swap").body);

            Path v3 = Jars.swapHandler(c.home.resolve("jars"), "3.0.0");
            String deployed = c.script("spindle:deploy " + v3);
            assertTrue(deployed.contains("Updated dev.spindle.swap 2.0.0") && deployed.contains("to 3.0.0")
                    && deployed.contains("deploy/swap-2.0.0.jar now holds the new jar"), deployed);
            assertEquals("version=3.0.0", Http.get(c.port, "/swap").body);
            assertEquals(1, swapBundles(c), c.script("lb -s"));
            assertEquals(1, swapJars(c), "one swap jar in deploy/");

            restart(c);
            assertEquals(1, swapBundles(c), "one swap bundle after the restart\n" + c.script("lb -s"));
            assertEquals("version=3.0.0", Http.get(c.port, "/swap").body, "the newer version after the restart");
        }
    }

    /**
     * A container whose deploy/swap-1.0.0.jar had a canary 2.0.0 (from jars/) promoted over it,
     * File Install's update in place from the written deploy/swap-2.0.0.jar done, ready.
     */
    private static Container promoted(String name) throws Exception {
        Container c = Container.prepare(name);
        try {
            promote(c);
        } catch (Throwable t) {
            c.close();
            throw t;
        }
        return c;
    }

    private static void promote(Container c) throws Exception {
        Path jars = c.home.resolve("jars");
        c.deploy(Jars.swapHandler(jars, "1.0.0"));
        c.start(false);
        assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
        assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
        String started = c.script("spindle:canary " + Jars.swapHandler(jars, "2.0.0") + " 20");
        assertTrue(started.contains("Canary dev.spindle.swap 2.0.0"), started);
        String promoted = c.script("spindle:promote /swap");
        assertTrue(promoted.contains("its own jar written to deploy/swap-2.0.0.jar"), promoted);
        Pattern updated = Pattern.compile("(?s)its own jar written to deploy/swap-2\\.0\\.0\\.jar.*"
                + "Handler service \\d+ from dev\\.spindle\\.swap serves /swap/\\*");
        assertTrue(c.awaitLog(updated, STARTUP) != null, "the promoted bundle updated from deploy/\n" + c.log());
        assertEquals("version=2.0.0", Http.get(c.port, "/swap").body);
        // deploy/swap-2.0.0.jar counts as the promoted bundle's: the container is ready
        assertEquals(200, HealthIT.await(c.adminPort(), "/health/ready", r -> r.status == 200, STARTUP).status,
                Http.get(c.adminPort(), "/health/ready").body);
    }

    /** SIGTERM, then a new start; returns once ready (every jar in deploy/ installed and active). */
    private static void restart(Container c) throws Exception {
        c.terminate();
        assertTrue(c.awaitExit(STARTUP), "the container stopped\n" + c.log());
        c.start(false);
        assertTrue(c.awaitStarted(STARTUP), "started again\n" + c.log());
        Http.Response ready = HealthIT.await(c.adminPort(), "/health/ready", r -> r.status == 200, STARTUP);
        assertEquals(200, ready.status, ready.body + c.log());
    }

    private static long swapJars(Container c) throws Exception {
        try (Stream<Path> files = Files.list(c.home.resolve("deploy"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("swap-")).count();
        }
    }

    private static long swapBundles(Container c) throws Exception {
        Matcher m = Pattern.compile("dev\\.spindle\\.swap\\b").matcher(c.script("lb -s"));
        long n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
