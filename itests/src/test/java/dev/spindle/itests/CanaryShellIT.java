package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's canary session on the assembled container, through {@code ./spindle --command}:
 * a canary beside a handler deployed from deploy/, its exact share, the listing, the metrics
 * labelled by version (the split as a scraper sees it), and its promotion, which replaces the old
 * version's jar in deploy/ with its own, so that a restart runs the promoted version.
 */
class CanaryShellIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    /** The 2xx count of the swap handler at {@code version} in a metrics exposition (0 if absent). */
    private static long ok(String metrics, String version) {
        Matcher m = Pattern.compile("(?m)^spindle_requests_total\\{([^}]*)\\} ([0-9.eE+]+)$").matcher(metrics);
        while (m.find()) {
            java.util.List<String> labels = java.util.List.of(m.group(1).split(","));
            if (labels.containsAll(java.util.List.of("bundle=\"dev.spindle.swap\"", "status_class=\"2xx\"",
                    "version=\"" + version + "\""))) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    @Test
    void aCanaryFromTheShellSplitsShowsInTheMetricsAndIsPromoted() throws Exception {
        try (Container c = Container.prepare("canary-shell")) {
            Path jars = c.home.resolve("jars");
            c.deploy(Jars.swapHandler(jars, "1.0.0"));
            int admin = c.adminPort();
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());

            String started = c.script("spindle:canary jars/swap-2.0.0.jar 20".replace("jars/swap-2.0.0.jar",
                    Jars.swapHandler(jars, "2.0.0").toString()));
            assertTrue(started.contains("Canary dev.spindle.swap 2.0.0") && started.contains("takes 20 % of /swap/*"), started);
            long before1 = ok(Http.get(admin, "/metrics").body, "1.0.0");
            int canary = 0;
            for (int i = 0; i < 100; i++) {
                if (Http.get(c.port, "/swap").body.equals("version=2.0.0")) {
                    canary++;
                }
            }
            assertEquals(20, canary, "exactly every fifth request");
            String metrics = Http.get(admin, "/metrics").body;
            assertEquals(20, ok(metrics, "2.0.0"), "the canary's 200s, labelled with its version\n" + metrics);
            assertEquals(80, ok(metrics, "1.0.0") - before1, "the stable version's");

            String listing = c.script("spindle:canary");
            assertTrue(listing.matches("(?s).*/swap/\\*\\s+dev\\.spindle\\.swap 1\\.0\\.0 \\[\\d+\\]\\s+stable\\s+80 %\\s+80\\s+100\\.0.*"),
                    listing);
            assertTrue(listing.matches("(?s).*/swap/\\*\\s+dev\\.spindle\\.swap 2\\.0\\.0 \\[\\d+\\]\\s+canary\\s+20 %\\s+20\\s+100\\.0.*"),
                    listing);

            String promoted = c.script("spindle:promote /swap");
            assertTrue(promoted.contains("Promoted dev.spindle.swap 2.0.0") && promoted.contains("its jar deleted from deploy/"),
                    promoted);
            assertFalse(Files.exists(c.home.resolve("deploy/swap-1.0.0.jar")), "the old version's jar left deploy/");
            assertTrue(promoted.contains("its own jar written to deploy/swap-2.0.0.jar"), promoted);
            assertTrue(Files.exists(c.home.resolve("deploy/swap-2.0.0.jar")), "the promoted version's jar is in deploy/");
            // File Install finds that version installed and updates it from the jar, in place
            Path log = c.home.resolve("var/log/spindle.log");
            Pattern updated = Pattern.compile("(?s)its own jar written to deploy/swap-2\\.0\\.0\\.jar.*"
                    + "Handler service \\d+ from dev\\.spindle\\.swap serves /swap/\\*");
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (!updated.matcher(Files.readString(log)).find() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(updated.matcher(Files.readString(log)).find(), "the promoted bundle updated from deploy/\n"
                    + Files.readString(log));
            for (int i = 0; i < 10; i++) {
                assertEquals("version=2.0.0", Http.get(c.port, "/swap").body);
            }
            assertTrue(c.script("spindle:handlers").contains("ACTIVE"));

            // a restart (the framework's cache is cleaned at each start) runs what deploy/ holds: the promoted version
            c.terminate();
            assertTrue(c.awaitExit(STARTUP), "the container stopped\n" + c.log());
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), "the promoted version serves after a restart\n" + c.log());
            assertEquals("version=2.0.0", Http.get(c.port, "/swap").body);
        }
    }
}
