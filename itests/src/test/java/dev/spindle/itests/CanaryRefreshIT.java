package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * A canary configured in {@code config/} on the assembled container survives a refresh of the
 * API bundle, which restarts the host before the handler bundles: the host's canaries wait for
 * the stable version to register its handlers again, then split its routes again; as after a
 * restart of the host while the stable version is stopped, once it starts again.
 */
class CanaryRefreshIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern API_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\|\\w+\\s*\\|\\s*\\d+\\|Spindle API ");

    /** Waits until both versions answer {@code /swap} (bounded); returns the versions seen in the last round. */
    private static Set<String> awaitSplit(Container c) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        Set<String> seen = new HashSet<>();
        while (System.nanoTime() < deadline) {
            seen.clear();
            for (int i = 0; i < 20; i++) {
                Http.Response r = Http.get(c.port, "/swap");
                if (r.status == 200) {
                    seen.add(r.body);
                }
            }
            if (seen.size() == 2) {
                return seen;
            }
            Thread.sleep(100);
        }
        return seen;
    }

    /** How many times the log says a configured canary could not run for want of a stable version. */
    private static long waits(Path log) throws java.io.IOException {
        return Pattern.compile("Canary configuration \\S+ (waits for its stable version|not applied)")
                .matcher(Files.readString(log)).results().count();
    }

    /** The id of the bundle whose {@code lb -s} line names {@code name} (a regular expression). */
    private static String id(String lb, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\|\\w+\\s*\\|\\s*\\d+\\|" + name).matcher(lb);
        assertTrue(m.find(), name + " in\n" + lb);
        return m.group(1);
    }

    @Test
    void aConfiguredCanarySplitsAgainAfterARefreshOfTheApi() throws Exception {
        try (Container c = Container.prepare("canary-refresh")) {
            Path jars = c.home.resolve("jars");
            c.deploy(Jars.swapHandler(jars, "1.0.0"));
            Files.writeString(c.home.resolve("config/dev.spindle.canary-swap.cfg"),
                    "location = " + Jars.swapHandler(jars, "2.0.0") + "\npercent = 50\n");
            c.start(false);
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
            assertTrue(awaitSplit(c).size() == 2, "the canary splits /swap before the refresh\n" + c.log());

            Matcher m = API_LINE.matcher(c.script("lb"));
            assertTrue(m.find(), "lb lists the API bundle");
            String before = c.log();
            c.script("update " + m.group(1));
            c.script("refresh " + m.group(1));
            assertNotNull(c.awaitLog(Pattern.compile("(?s)" + Pattern.quote(before.substring(Math.max(0,
                    before.length() - 80))) + ".*Spindle listening on"), STARTUP), "the host restarted:\n" + c.log());
            Set<String> seen = awaitSplit(c);
            assertTrue(seen.size() == 2, "both versions answer again after the refresh, not " + seen + "\n"
                    + c.script("spindle:handlers") + c.log());

            // the host may come back before or after the handler bundles: the order made certain
            String bundles = c.script("lb -s");
            String stable = id(bundles, "dev\\.spindle\\.swap \\(1\\.0\\.0\\)");
            c.script("stop " + stable);
            Path log = c.home.resolve("var/log/spindle.log");
            long waited = waits(log);
            c.script("update " + id(bundles, "dev\\.spindle\\.host "));
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (waits(log) == waited && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(waits(log) > waited, "the restarted host read the canary's configuration:\n" + Files.readString(log));
            assertTrue(c.awaitStarted(STARTUP), "the console answers again\n" + c.log());
            c.script("start " + stable);
            seen = awaitSplit(c);
            assertTrue(seen.size() == 2, "both versions answer once the stable version runs again, not " + seen + "\n"
                    + c.script("spindle:handlers") + c.log());
        }
    }
}
