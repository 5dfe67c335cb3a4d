package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The admin listener's dashboard in a real browser: Debian's headless {@code chromium} (installed
 * by {@code .ci/run}) driven by Playwright's core (fetched by the build's {@code npm ci}, see
 * {@code src/test/browser}) opens it on the assembled container while this test sends traffic to
 * the swap handler, redeploys that handler through {@code deploy/}, and finds the handler's row,
 * its counts rising, the redeploy marker on the charts, the new version serving and a line of its own
 * on the rate chart beside the old version's (the charts are per handler). The browser's
 * screenshot is left in {@code target/screenshots/dashboard.png}.
 */
class DashboardIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration BROWSER = Duration.ofSeconds(150);
    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    private static final String ROUTE = "/swap/*";

    @Test
    void theDashboardShowsTheHandlerItsRisingCountsAndTheRedeployMarker() throws Exception {
        Path browser = Paths.get(System.getProperty("spindle.browser"));
        assertTrue(Files.isExecutable(CHROMIUM), "needs Debian's chromium package (apt-get install chromium;"
                + " .ci/run installs it)");
        assertTrue(Files.isDirectory(browser.resolve("node_modules/playwright-core")),
                "needs the build's npm ci in " + browser + " (run through Maven)");
        Path shots = Paths.get(System.getProperty("spindle.screenshots"));
        Files.createDirectories(shots);
        Path screenshot = shots.resolve("dashboard.png");
        Files.deleteIfExists(screenshot);

        try (Container c = Container.prepare("dashboard")) {
            Path jars = c.home.resolve("jars");
            Path deploy = c.home.resolve("deploy");
            Jars.drop(Jars.swapHandler(jars, "1.0.0"), deploy, "swap.jar");
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            int admin = c.adminPort();
            assertTrue(Http.awaitOk(admin, "/dashboard/", STARTUP), c.log());

            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicLong answered = new AtomicLong();
            Thread traffic = new Thread(() -> {
                while (sending.get()) {
                    try {
                        if (Http.get(c.port, "/swap").status == 200) {
                            answered.incrementAndGet();
                        }
                        Http.get(c.port, "/hello");
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    } catch (java.io.IOException duringTheSwap) {
                        // the swap may cut a request: the next one goes to the new version
                    }
                }
            }, "dashboard-it-traffic");
            traffic.setDaemon(true);
            traffic.start();

            ProcessBuilder pb = new ProcessBuilder("node", browser.resolve("dashboard.mjs").toString(),
                    "http://127.0.0.1:" + admin, ROUTE, "2.0.0", screenshot.toString())
                    .directory(browser.toFile()).redirectError(shots.resolve("browser.err").toFile());
            pb.environment().put("CHROMIUM", CHROMIUM.toString());
            Process node = pb.start();
            BlockingQueue<String> said = new LinkedBlockingQueue<>();
            StringBuilder transcript = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null;) {
                        said.add(line);
                    }
                } catch (java.io.IOException ended) {
                    // the browser side has gone
                } finally {
                    said.add("EOF");
                }
            }, "dashboard-it-browser");
            reader.setDaemon(true);
            reader.start();
            try (OutputStream toNode = node.getOutputStream()) {
                long deadline = System.nanoTime() + BROWSER.toNanos();
                boolean redeployed = false;
                for (;;) {
                    String line = said.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (line == null || "EOF".equals(line)) {
                        fail("the browser side ended or timed out before OK: " + transcript + "\n"
                                + Files.readString(shots.resolve("browser.err")) + "\n" + c.log());
                    }
                    transcript.append(line).append('\n');
                    if ("REDEPLOY".equals(line)) {
                        Jars.drop(Jars.swapHandler(jars, "2.0.0"), deploy, "swap.jar");
                        redeployed = true;
                        toNode.write("GO\n".getBytes(StandardCharsets.UTF_8));
                        toNode.flush();
                    } else if ("OK".equals(line)) {
                        assertTrue(redeployed, transcript.toString());
                        break;
                    }
                }
                assertTrue(node.waitFor(30, TimeUnit.SECONDS), "the browser side did not end");
                assertEquals(0, node.exitValue(), transcript + Files.readString(shots.resolve("browser.err")));
            } finally {
                sending.set(false);
                traffic.interrupt();
                node.destroy();
                if (!node.waitFor(10, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
            assertTrue(transcript.toString().matches("(?s).*COUNTS (\\d+) (\\d+).*"), transcript.toString());
            assertTrue(transcript.toString().contains("\nSERIES 1.0.0 2.0.0\n"),
                    "a rate line for each version of the route's handler: " + transcript);
            assertTrue(answered.get() > 0, "the traffic was answered");
            assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the dashboard in " + screenshot);
        }
    }
}
