package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/**
 * The container's home is not build output: the launcher makes it from the distribution on the
 * first start and brings it up to date on every start without losing the operator's work; the
 * distribution's archive runs wherever it is unpacked, with its own launcher or with plain
 * {@code java -jar bin/felix.jar}.
 */
public class HomeIT {

    private static final String SAMPLE = "spindle-sample-json-";

    @Test
    public void theHomeIsMadeOnTheFirstStartAndKeepsTheOperatorsWorkAcrossStarts() throws Exception {
        Path deploy;
        Path removed;
        try (Container c = Container.empty("home-it")) {
            c.launch();
            awaitHello(c);
            deploy = c.home.resolve("deploy");
            assertTrue("the distribution's framework in bundle/", Files.exists(c.home.resolve("bin/felix.jar")));
            removed = onlyJar(deploy, SAMPLE);
            c.terminate();
            assertTrue(c.awaitExit(Duration.ofSeconds(30)));
            assertEquals("a clean exit on SIGTERM", 0, c.exitValue());

            // the operator's work: a handler of their own, a sample undeployed, a configuration edit
            Files.copy(Paths.get(System.getProperty("spindle.swap.jar")), deploy.resolve("my-handler.jar"));
            Files.delete(removed);
            c.configure("graceMillis", "1234");
            // what an earlier build left in the distribution's folders
            Path stale = c.home.resolve("bundle/netty-common-4.0.0.Final.jar");
            Files.copy(Paths.get(System.getProperty("spindle.api.jar")), stale);

            c.launch();
            awaitHello(c);
            assertTrue("the operator's jar stays", Files.exists(deploy.resolve("my-handler.jar")));
            assertFalse("an undeployed sample stays undeployed", Files.exists(removed));
            assertTrue("the configuration edit stays",
                    Files.readString(c.home.resolve("config/dev.spindle.host.cfg")).contains("graceMillis = 1234"));
            assertFalse("the distribution's folders follow the build", Files.exists(stale));
            assertTrue("the other samples are served", onlyJar(deploy, "spindle-sample-hello-") != null);
            String config = c.script("spindle:config");
            assertTrue(config, config.matches("(?s).*graceMillis\\s+1234.*"));
        }
    }

    /**
     * A home made before a release keeps its own configuration files; the release's version of each
     * one that differs is written beside it as {@code <file>.dist}, the keys it has that the
     * operator's file lacks are named at the start, and a file the same as the shipped one gets no
     * {@code .dist} (a stale one goes).
     */
    @Test
    public void theShippedDefaultsOfAnOperatorsOlderConfigurationAreWrittenBesideItAndItsNewKeysNamed()
            throws Exception {
        try (Container c = Container.empty("home-dist")) {
            Path shipped = Paths.get(System.getProperty("spindle.container"), "config");
            Path config = c.home.resolve("config");
            // as an older release left them: the host's file without accessLog (an operator's edit kept),
            // the samples' file as shipped, and a .dist the operator has since dealt with
            String host = Files.readString(config.resolve("dev.spindle.host.cfg"));
            Files.writeString(config.resolve("dev.spindle.host.cfg"), host + "# tlsPort = 8443\n");
            Files.copy(shipped.resolve("dev.spindle.samples.files-www.cfg"), config.resolve("dev.spindle.samples.files-www.cfg"));
            Files.writeString(config.resolve("dev.spindle.samples.files-www.cfg.dist"), "old\n");

            c.launch();
            awaitHello(c);
            assertEquals("the operator's file is not touched", host + "# tlsPort = 8443\n",
                    Files.readString(config.resolve("dev.spindle.host.cfg")));
            assertEquals(Files.readString(shipped.resolve("dev.spindle.host.cfg")),
                    Files.readString(config.resolve("dev.spindle.host.cfg.dist")));
            Matcher named = Pattern.compile("spindle: config/dev\\.spindle\\.host\\.cfg lacks keys that this release ships"
                    + " \\(their defaults apply\\): ([^;]*); see config/dev\\.spindle\\.host\\.cfg\\.dist").matcher(c.log());
            assertTrue(c.log(), named.find());
            List<String> keys = List.of(named.group(1).split(" "));
            assertTrue(keys.toString(), keys.contains("accessLog") && keys.contains("keepAliveTimeoutMillis"));
            assertFalse("named though the operator's file has it", keys.contains("port") || keys.contains("bindAddress"));
            assertFalse("commented out is not unknown", keys.contains("tlsPort"));
            assertFalse("the same as shipped: no .dist", Files.exists(config.resolve("dev.spindle.samples.files-www.cfg.dist")));
            assertFalse(c.log(), c.log().contains("dev.spindle.samples.files-www.cfg lacks"));
        }
    }

    @Test
    public void theArchiveRunsWhereItIsUnpackedWithItsLauncherOrPlainFelix() throws Exception {
        try (Container c = Container.unpacked("archive-it")) {
            assertTrue("executable launcher", Files.isExecutable(c.home.resolve("bin/spindle")));
            c.launchOwn();
            awaitHello(c);
            c.terminate();
            assertTrue(c.awaitExit(Duration.ofSeconds(30)));
            assertEquals("a clean exit on SIGTERM", 0, c.exitValue());

            c.startPlain();
            awaitHello(c);
            assertFalse(c.log(), c.log().contains("No config.properties found"));
        }
    }

    private static void awaitHello(Container c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                Http.Response r = Http.get(c.port, "/hello");
                if (r.status == 200 && r.body.equals("hello world")) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            assertTrue("no /hello within 60 s: " + c.log(), System.nanoTime() < deadline && c.alive());
            Thread.sleep(100);
        }
    }

    private static Path onlyJar(Path dir, String prefix) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
        }
    }
}
