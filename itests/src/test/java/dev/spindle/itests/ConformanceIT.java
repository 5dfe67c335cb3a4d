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
 * The project's own scenarios ({@code src/test/conformance}: framing rules from Node's test suite)
 * run the same way against their own Node reference.
 */
class ConformanceIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Path SHARED = Paths.get(System.getProperty("spindle.shared")).toAbsolutePath().normalize();
    private static Container container;
    private static final Path EXTRA = Paths.get(System.getProperty("spindle.conformance.extra")).toAbsolutePath();
    private static Process node;
    private static Process extraNode;
    private static int nodePort;
    private static int extraPort;

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
        extraPort = Http.freePort();
        extraNode = new ProcessBuilder("node", EXTRA.resolve("extra-reference.js").toString(), String.valueOf(extraPort))
                .redirectErrorStream(true).redirectOutput(container.home.resolve("extra-reference.log").toFile()).start();
        assertTrue(Http.awaitOk(extraPort, "/conformance/handler-keep-alive", STARTUP), "the extra Node reference did not start");
        assertTrue(Http.awaitOk(container.port, "/conformance/implicit-headers", STARTUP), container.log());
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : new Process[] {node, extraNode}) {
            if (p != null) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (container != null) {
            container.close();
        }
    }

    /** Runs the probe and asserts that it passed every scenario; a failure shows its diff. */
    private static void probe(String out, String... extra) throws IOException, InterruptedException {
        run(new ArrayList<>(List.of("python3", SHARED.resolve("conformance/probe.py").toString(),
                "--reference-port", String.valueOf(nodePort))), out, "44 passed, 0 failed", extra);
    }

    /** Runs {@code cmd} against the container and asserts its last line is {@code expected}. */
    private static void run(List<String> cmd, String out, String expected, String... extra)
            throws IOException, InterruptedException {
        cmd.addAll(List.of("--target-port", String.valueOf(container.port), "--out", container.home.resolve(out).toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        String[] lines = output.strip().split("\n");
        assertEquals(expected, lines[lines.length - 1], output);
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

    /** The project's own scenarios, plain and with header case and order. */
    @Test
    void theProjectsOwnScenariosMatchNode() throws Exception {
        for (String[] mode : new String[][] {{}, {"--strict-case"}}) {
            run(new ArrayList<>(List.of("python3", EXTRA.resolve("extra_scenarios.py").toString(),
                    SHARED.resolve("conformance").toString(), "--reference-port", String.valueOf(extraPort))),
                    "captures-extra" + mode.length, "5 passed, 0 failed", mode);
        }
    }
}
