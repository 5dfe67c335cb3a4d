package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The differential suite of {@code shared/conformance}: the real container with the conformance
 * bundle beside stock Node.js running the reference, compared byte for byte by {@code probe.py}.
 */
class ConformanceIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Path SHARED = Paths.get(System.getProperty("spindle.shared")).toAbsolutePath().normalize();
    private static Container container;
    private static Process node;
    private static int nodePort;

    @BeforeAll
    static void start() throws Exception {
        container = Container.prepare("conformance");
        container.deploy(Paths.get(System.getProperty("spindle.conformance.jar")));
        container.start(false);
        nodePort = Http.freePort();
        Path log = container.home.resolve("node-reference.log");
        node = new ProcessBuilder("node", SHARED.resolve("conformance/node-reference.js").toString(), String.valueOf(nodePort))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(Http.awaitOk(nodePort, "/conformance/implicit-headers", STARTUP), "the Node reference did not start");
        assertTrue(Http.awaitOk(container.port, "/conformance/implicit-headers", STARTUP), container.log());
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

    /** Runs the probe and asserts that it passed every scenario; a failure shows its diff. */
    private static void probe(String out, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", SHARED.resolve("conformance/probe.py").toString(),
                "--reference-port", String.valueOf(nodePort), "--target-port", String.valueOf(container.port),
                "--out", container.home.resolve(out).toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        String[] lines = output.strip().split("\n");
        assertEquals("44 passed, 0 failed", lines[lines.length - 1], output);
        assertEquals(0, p.exitValue(), output);
    }

    @Test
    void every44ScenarioMatchesNode() throws Exception {
        probe("captures");
    }

    @Test
    void headerCaseAndOrderMatchNodeToo() throws Exception {
        probe("captures-strict", "--strict-case");
    }
}
