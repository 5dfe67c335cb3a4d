package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 differential: the conformance scenarios over h2c (prior knowledge) against stock
 * Node.js running the reference under its {@code http2} compatibility API, and the real container
 * with the conformance bundle, compared by {@code h2_probe.py} (status, header names, values and
 * order, DATA bytes, trailers, resets). The scenarios it leaves out are listed by the probe with why.
 */
class H2ConformanceIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Path SHARED = Paths.get(System.getProperty("spindle.shared")).toAbsolutePath().normalize();
    private static final Path EXTRA = Paths.get(System.getProperty("spindle.conformance.extra")).toAbsolutePath();
    private static Container container;
    private static Process node;
    private static int nodePort;

    @BeforeAll
    static void start() throws Exception {
        container = Container.prepare("h2-conformance");
        container.deploy(Paths.get(System.getProperty("spindle.conformance.jar")));
        container.start(false);
        nodePort = Http.freePort();
        node = new ProcessBuilder("node", SHARED.resolve("conformance/node-reference.js").toString(),
                String.valueOf(nodePort), "--h2c")
                .redirectErrorStream(true).redirectOutput(container.home.resolve("node-h2c-reference.log").toFile()).start();
        assertTrue(awaitListening(nodePort), "the Node h2c reference did not start");
        assertTrue(Http.awaitOk(container.port, "/conformance/implicit-headers", STARTUP), container.log());
    }

    /** Node's h2c server answers no HTTP/1.1 request: wait until it accepts connections. */
    private static boolean awaitListening(int port) throws InterruptedException {
        long end = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < end) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        if (container != null) {
            container.close();
        }
    }

    @Test
    void everyScenarioThatMakesSenseOverH2cMatchesNodesHttp2() throws Exception {
        Process p = new ProcessBuilder(List.of("/usr/bin/python3", EXTRA.resolve("h2_probe.py").toString(),
                "--reference-port", String.valueOf(nodePort), "--target-port", String.valueOf(container.port),
                "--out", container.home.resolve("captures-h2").toString()))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "probe did not finish");
        String[] lines = output.strip().split("\n");
        assertEquals("38 passed, 0 failed", lines[lines.length - 1], output);
        assertEquals(0, p.exitValue(), output);
    }
}
