package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fleet tool ({@code fleet/fleet}): three containers unpacked from the distribution's archive,
 * Debian's HAProxy in front (installed by {@code .ci/run}), and the swap handler rolled through
 * them while keep-alive clients send requests through HAProxy: a rollout fails no request and ends
 * on the new version everywhere; a container killed with SIGKILL fails no idempotent request and
 * rejoins when {@code fleet up} restarts it; a version that never becomes ready, and one that
 * answers 503 (which HAProxy retries on another container), are rolled back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {

    private static final Path HAPROXY = Paths.get("/usr/sbin/haproxy");
    private static final int CLIENTS = 8;

    private Path state;
    private Path jars;
    private int port;

    @BeforeAll
    void startTheFleetWithTheSwapHandler() throws Exception {
        assertTrue(Files.isExecutable(HAPROXY), "needs Debian's haproxy package (apt-get install haproxy; .ci/run installs it)");
        Path work = Paths.get(System.getProperty("spindle.work"));
        state = work.resolve("fleet");
        jars = work.resolve("fleet-jars");
        fleet("down"); // a fleet an interrupted run left behind
        deleteTree(state);
        Run up = fleet("up", "3", "--archive", System.getProperty("spindle.archive"), "--set", "drainTimeoutMillis=5000");
        assertEquals(0, up.exit, up.output);
        Run first = fleet("rollout", "--observe", "0.2", Jars.swapHandler(jars, "1.0.0").toString());
        assertEquals(0, first.exit, first.output);
        Matcher m = Pattern.compile("\"port\": (\\d+)").matcher(fleet("status", "--json").output);
        assertTrue(m.find());
        port = Integer.parseInt(m.group(1));
        assertEquals("version=1.0.0", Http.get(port, "/swap").body);
    }

    @AfterAll
    void stopTheFleet() throws Exception {
        Run down = fleet("down");
        assertEquals(0, down.exit, down.output);
        assertFalse(status().contains("\"running\": true"), "nothing left running: " + status());
    }

    @Test
    @Order(1)
    void aRolloutUnderKeepAliveLoadFailsNoRequestAndEndsOnTheNewVersionEverywhere() throws Exception {
        String before = served();
        String after = before.equals("1.0.0") ? "2.0.0" : "1.0.0";
        Path jar = Jars.swapHandler(jars, after);
        try (Load load = new Load(CLIENTS, port, "/swap")) {
            awaitAnswers(load, 200);
            long began = System.nanoTime();
            Run rollout = fleet("rollout", "--observe", "1", jar.toString());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            assertEquals(0, rollout.exit, rollout.output);
            long oldAnswers = count(load, "200 version=" + before);
            awaitAnswers(load, 200);
            load.close();
            assertEquals(List.of(), load.failures, "failed requests\n" + rollout.output);
            assertEquals(oldAnswers, count(load, "200 version=" + before), "the old version answered after the rollout");
            assertEquals(Map.of("200 version=" + before, true, "200 version=" + after, true), statuses(load),
                    "only 200s, from both versions: " + answers(load));
            System.out.println("FleetIT: rollout of 3 containers under load in " + millis + " ms, " + load.total()
                    + " requests through HAProxy\n" + rollout.output);
        }
        String status = status();
        for (String c : List.of("c1", "c2", "c3")) {
            assertTrue(container(status, c).contains("\"dev.spindle.swap\": \"" + after + "\""), status);
        }
    }

    @Test
    @Order(2)
    void aContainerKilledUnderLoadFailsNoIdempotentRequestAndRejoinsWhenRestarted() throws Exception {
        String version = served();
        String c2 = container(status(), "c2");
        Matcher pid = Pattern.compile("\"pid\": (\\d+)").matcher(c2);
        assertTrue(pid.find(), c2);
        int admin = Integer.parseInt(field(c2, "admin"));
        try (Load load = new Load(CLIENTS, port, "/swap")) {
            awaitAnswers(load, 200);
            ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow().destroyForcibly(); // SIGKILL
            await("HAProxy to take c2 out", () -> field(container(status(), "c2"), "haproxy").equals("DOWN"));
            awaitAnswers(load, 500); // the two others serve on
            Run up = fleet("up", "3");
            assertEquals(0, up.exit, up.output); // up waits until HAProxy sees c2 UP again
            assertTrue(up.output.contains("c2: PID"), "up restarted c2 only: " + up.output);
            double rejoined = responses(admin);
            await("c2 to get requests through HAProxy", () -> responses(admin) > rejoined + 50);
            load.close();
            assertEquals(List.of(), load.failures);
            assertEquals(Map.of("200 version=" + version, true), statuses(load), "only 200s: " + answers(load));
        }
        assertTrue(Files.readString(state.resolve("haproxy.log")).contains("c2 is DOWN"), "HAProxy's log says so");
    }

    @Test
    @Order(3)
    void aRolloutWhoseVersionNeverBecomesReadyIsRolledBackFromTheUpdatedContainer() throws Exception {
        Path broken = Jars.swapHandler(jars.resolve("swap-unresolvable.jar"), main -> {
            main.putValue("Bundle-Version", "9.0.0");
            main.putValue("Import-Package", main.getValue("Import-Package") + ",com.example.nowhere");
        });
        assertRolledBackFromC1(Pattern.compile("rollout of dev.spindle.swap 9.0.0 stopped: c1 to serve dev.spindle.swap 9.0.0"),
                "--timeout", "10", "rollout", broken.toString());
    }

    @Test
    @Order(4)
    void aRolloutWhoseVersionAnswers5xxIsRolledBackByTheMetricsCheckAndHAProxyRetriesHideThem() throws Exception {
        Path failing = Jars.swapHandler(jars.resolve("swap-503.jar"), main -> {
            main.putValue("Bundle-Version", "9.1.0");
            main.putValue("Swap-Status", "503");
        });
        // no client sees the 503s: HAProxy sends each again, to another container
        assertRolledBackFromC1(Pattern.compile("stopped: c1: \\d+ of \\d+ responses were 5xx in 2 s after the update"),
                "rollout", "--observe", "2", failing.toString());
    }

    /**
     * Under load through HAProxy, {@code fleet rolloutArgs...} exits 1 with {@code why}, puts c1's old
     * version back and never touches c2 and c3; no request fails, every answer is a 200 from the
     * version served before; all three serve it and are UP at the end.
     */
    private void assertRolledBackFromC1(Pattern why, String... rolloutArgs) throws Exception {
        String version = served();
        try (Load load = new Load(CLIENTS, port, "/swap")) {
            awaitAnswers(load, 200);
            Run rollout = fleet(rolloutArgs);
            assertEquals(1, rollout.exit, rollout.output);
            assertTrue(why.matcher(rollout.output).find(), rollout.output);
            assertTrue(rollout.output.contains("c1: rolled back to dev.spindle.swap " + version), rollout.output);
            assertFalse(rollout.output.contains("c2"), "c2 and c3 were never touched: " + rollout.output);
            awaitAnswers(load, 200);
            load.close();
            assertEquals(List.of(), load.failures);
            assertEquals(Map.of("200 version=" + version, true), statuses(load), "only 200s: " + answers(load));
        }
        String status = status();
        for (String c : List.of("c1", "c2", "c3")) {
            assertTrue(container(status, c).contains("\"dev.spindle.swap\": \"" + version + "\""), status);
            assertEquals("UP", field(container(status, c), "haproxy"), status);
        }
    }

    /** What {@code fleet args...} printed (output and errors) and its exit status; 3 minutes at most. */
    private record Run(int exit, String output) {
    }

    private Run fleet(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", System.getProperty("spindle.fleet"), "--state", state.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("fleet", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("fleet " + String.join(" ", args) + " did not end in 3 minutes: " + Files.readString(out));
            }
            return new Run(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private String status() throws IOException, InterruptedException {
        Run r = fleet("status", "--json");
        assertEquals(0, r.exit, r.output);
        return r.output;
    }

    /** One container's object in {@code status --json}. */
    private static String container(String status, String name) {
        Matcher m = Pattern.compile("\\{\\s*\"name\": \"" + name + "\",.*?\"versions\": \\{[^}]*\\}", Pattern.DOTALL).matcher(status);
        assertTrue(m.find(), status);
        return m.group();
    }

    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \"?([^\",\\n]*)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }

    /** The version of the swap handler HAProxy's fleet answers with now. */
    private String served() throws IOException {
        return SwapBundle.servedVersion(port);
    }

    /** Every response the container on this admin port sent, from its /metrics. */
    private static double responses(int admin) {
        try {
            Matcher m = Pattern.compile("(?m)^spindle_http_responses_total\\{status_class=\"\\w+\"\\} (\\S+)$")
                    .matcher(Http.get(admin, "/metrics").body);
            double sum = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
            }
            return sum;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void awaitAnswers(Load load, long more) throws Exception {
        long target = load.total() + more;
        await("the clients to get " + more + " more answers", () -> load.total() >= target);
    }

    /** A condition polled by {@link #await}. */
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Condition done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.holds()) {
            assertTrue(System.nanoTime() < deadline, what + " within 30 s");
            Thread.sleep(100);
        }
    }

    private static long count(Load load, String answer) {
        return load.answers.containsKey(answer) ? load.answers.get(answer).sum() : 0;
    }

    /** Which answers (status and body) the clients got, each mapped to true. */
    private static Map<String, Boolean> statuses(Load load) {
        Map<String, Boolean> seen = new TreeMap<>();
        load.answers.keySet().forEach(k -> seen.put(k, true));
        return seen;
    }

    private static Map<String, Long> answers(Load load) {
        Map<String, Long> counts = new TreeMap<>();
        load.answers.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
