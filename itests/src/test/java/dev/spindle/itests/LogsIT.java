package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The container's logs as an operator meets them, with the container started by
 * {@code ./spindle --background}: timestamped lines in {@code var/log/spindle.log}, a quiet start,
 * a logger's level changed at runtime with {@code log:set}, and the access log, one line per
 * request in {@code var/log/access.log}, switched on and off by the host configuration.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LogsIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern TIMESTAMPED = Pattern.compile("(?m)^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}"
            + "(Z|[+-]\\d{2}:\\d{2}) INFO  \\[[^]]+] dev\\.spindle\\.host\\.internal\\.http\\.Listeners - Spindle listening on");
    private static final String REFUSED = "Refused a request from /127.0.0.1:";

    private Container c;
    private Path spindleLog;
    private Path accessLog;

    @BeforeAll
    void start() throws Exception {
        c = Container.prepare("logs");
        c.configure("accessLog", "true");
        c.launch();
        assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
        assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
        spindleLog = c.home.resolve("var/log/spindle.log");
        accessLog = c.home.resolve("var/log/access.log");
    }

    @AfterAll
    void stop() throws Exception {
        c.close();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (at most 10 s) until {@code file} satisfies {@code condition}. */
    private static boolean await(Path file, Predicate<String> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.test(read(file))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** A request line without a version: {@code 400}, logged at DEBUG only; returns the client's port. */
    private int badRequest() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), c.port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(400, Http.read(s.getInputStream()).status);
            return s.getLocalPort();
        }
    }

    @Test
    @Order(1)
    void theLogFileHasTimestampedLinesWithThreadAndLoggerAndTheStartIsQuiet() throws Exception {
        assertTrue(await(spindleLog, text -> TIMESTAMPED.matcher(text).find()), read(spindleLog));
        String console = c.log();
        assertTrue(console.contains("Spindle listening on"), "without a prompt the console has the log too:\n" + console);
        assertFalse(console.contains("Enabling"), "pax-logging's start-up lines:\n" + console);
        assertFalse(console.contains("Unable to create a system terminal"), console);
        assertFalse(console.contains("Exception"), "the shell's profile or the backend failing:\n" + console);
    }

    /** After the access log's count: the level is changed in Log4j 2's own file, which it applies itself. */
    @Test
    @Order(3)
    void logSetChangesALoggersLevelAtRuntime() throws Exception {
        String logger = "dev.spindle.host.internal.http.connection";
        int before = badRequest();
        assertTrue(c.script("log:set DEBUG " + logger).contains(logger + ": DEBUG"));
        // Log4j 2 applies its new configuration when it next checks the file: the next bad requests show it
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!read(spindleLog).contains(REFUSED) && System.nanoTime() < deadline) {
            badRequest();
            Thread.sleep(50);
        }
        String log = read(spindleLog);
        assertTrue(log.contains(REFUSED), "DEBUG lines after log:set\n" + log);
        assertFalse(log.contains(REFUSED + before + " "), "no DEBUG line before log:set\n" + log);
        assertTrue(Files.readString(c.home.resolve("config/log4j2.properties")).contains("= " + logger),
                "log:set is kept in the logging configuration");
        assertTrue(c.script("log:display -n 200").contains(REFUSED), "log:display shows the new lines");
        assertTrue(c.script("log 200 debug").contains(REFUSED), "Gogo's own log command reads the same entries");

        assertTrue(c.script("log:set DEFAULT " + logger).contains("follows its parent"));
        assertTrue(await(c.home.resolve("config/log4j2.properties"), cfg -> !cfg.contains("= " + logger)));
    }

    @Test
    @Order(2)
    void theAccessLogHasOneLinePerRequestWhileItIsOn() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, Http.get(c.port, "/hello?on=" + i).status);
        }
        assertEquals(404, Http.get(c.port, "/nothing-here?on=5").status);
        // a line is written when its response is, on the connection's own event loop: each request here
        // has its own connection, so the lines may reach the file in another order than the requests
        assertTrue(await(accessLog, text -> text.lines().filter(l -> l.contains("?on=")).count() == 6), read(accessLog));
        List<String> lines = read(accessLog).lines().filter(l -> l.contains("?on=")).toList();
        assertEquals(6, lines.size(), String.join("\n", lines));
        Pattern combined = Pattern.compile("^127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /hello\\?on=\\d HTTP/1\\.1\" 200 11 "
                + "\"-\" \"-\" \\d+ \\d+\\.\\d{3}$");
        List<String> hellos = lines.stream().filter(l -> l.contains("/hello?on=")).toList();
        assertEquals(5, hellos.size(), String.join("\n", lines));
        for (String line : hellos) {
            assertTrue(combined.matcher(line).matches(), line);
        }
        List<String> missing = lines.stream().filter(l -> l.contains("/nothing-here")).toList();
        assertEquals(1, missing.size(), String.join("\n", lines));
        assertTrue(missing.get(0).matches(".*\"GET /nothing-here\\?on=5 HTTP/1\\.1\" 404 \\d+ \"-\" \"-\" - \\d+\\.\\d{3}$"),
                missing.get(0));
        assertFalse(read(spindleLog).contains("?on="), "access lines go to their own file only");

        // off by the host configuration, live: no line; on again: lines again
        setAccessLog(false);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(c.port, "/hello?off=" + i).status);
        }
        setAccessLog(true);
        assertEquals(200, Http.get(c.port, "/hello?again").status);
        assertTrue(await(accessLog, text -> text.contains("?again")), read(accessLog));
        assertFalse(read(accessLog).contains("?off="), read(accessLog));
    }

    /**
     * Lines logged while the backend applies a new configuration are kept: a numbered sequence of
     * requests, each with a line in the access log and a DEBUG line in the container's log, across
     * eight reloads (four log:set, four edits of the file); no number missing from either file.
     */
    @Test
    @Order(4)
    void noLineIsLostWhileTheLoggingConfigurationIsReloaded() throws Exception {
        String logger = "dev.spindle.host.internal.http.connection";
        c.script("log:set DEBUG " + logger);
        // DEBUG is in effect once a bad request made after log:set is logged: its own line, by its
        // port (the file holds REFUSED lines of the tests before, which prove nothing about now)
        List<Integer> probes = new ArrayList<>();
        assertTrue(await(spindleLog, text -> {
            if (probes.stream().anyMatch(port -> text.contains(REFUSED + port + " "))) {
                return true;
            }
            try {
                probes.add(badRequest());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return false;
        }), "DEBUG never took effect:\n" + c.log());
        Path cfg = c.home.resolve("config/log4j2.properties");
        AtomicBoolean reloading = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reloads = new Thread(() -> {
            try {
                for (int i = 0; i < 8; i++) {
                    Thread.sleep(700);
                    if (i % 2 == 0) {
                        c.script("log:set " + (i % 4 == 0 ? "WARN" : "ERROR") + " io.netty.handler");
                    } else {
                        // as an operator should: the whole file written aside, then renamed over it
                        Path aside = cfg.resolveSibling("log4j2.properties.new");
                        Files.writeString(aside, Files.readString(cfg) + "# edit " + i + "\n");
                        Files.move(aside, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Thread.sleep(1500); // the last one applied
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                reloading.set(false);
            }
        });
        reloads.start();
        List<Integer> ports = new ArrayList<>();
        int n = 0;
        while (reloading.get()) {
            assertEquals(200, Http.get(c.port, "/hello?seq=" + n++).status);
            ports.add(badRequest());
            Thread.sleep(5);
        }
        reloads.join();
        assertNull(failure.get());
        int sent = n;
        assertTrue(sent > 100, "requests sent: " + sent);
        await(accessLog, text -> text.contains("?seq=" + (sent - 1) + " "));
        await(spindleLog, text -> text.contains(REFUSED + ports.get(ports.size() - 1) + " "));
        String access = read(accessLog);
        String log = read(spindleLog);
        List<Integer> lostAccess = new ArrayList<>();
        List<Integer> lostDebug = new ArrayList<>();
        for (int i = 0; i < sent; i++) {
            if (!access.contains("?seq=" + i + " ")) {
                lostAccess.add(i);
            }
            if (!log.contains(REFUSED + ports.get(i) + " ")) {
                lostDebug.add(i);
            }
        }
        assertEquals(List.of(), lostAccess, "access log lines lost of " + sent);
        assertEquals(List.of(), lostDebug, "spindle.log lines lost of " + sent);
        assertFalse(c.log().contains("Exception") || c.log().contains("ERROR"), "reloads went wrong:\n" + c.log());
        c.script("log:set DEFAULT " + logger);
        c.script("log:set DEFAULT io.netty.handler");
    }

    /** Edits accessLog in config/dev.spindle.host.cfg and waits until the host has applied it. */
    private void setAccessLog(boolean on) throws Exception {
        Path cfg = c.home.resolve("config/dev.spindle.host.cfg");
        int applied = count(read(spindleLog), "Configuration applied");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("(?m)^accessLog = .*$", "accessLog = " + on));
        assertTrue(await(spindleLog, text -> count(text, "Configuration applied") > applied), read(spindleLog));
        assertNotNull(c.script("spindle:config"));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
