package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

/**
 * The foreground container as an operator's terminal receives it: {@code ./spindle} run on a
 * pseudo-terminal ({@link Container#onTerminal}), its raw bytes read. The prompt is {@code g! } with no
 * bracketed-paste codes, and a log line written while the operator types goes to the log file,
 * not into the line being typed.
 */
class TerminalIT {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void thePromptIsGAndLogLinesDoNotCutIntoWhatTheOperatorTypes() throws Exception {
        try (Container c = Container.prepare("terminal")) {
            Path screen = c.home.resolve("terminal.out");
            Process p = c.onTerminal().redirectOutput(screen.toFile()).start();
            try (OutputStream keys = p.getOutputStream()) {
                assertTrue(await(screen, s -> s.contains("g! "), LIMIT), read(screen));
                String first = read(screen);
                assertFalse(first.contains("gl! "), "gogo.jline's own prompt:\n" + first);
                assertFalse(first.contains("\u001b[?2004h"), "bracketed-paste codes:\n" + first);

                // half a command typed; meanwhile the host logs (at INFO) that it applied a configuration
                type(keys, "spindle:con");
                Path log = c.home.resolve("var/log/spindle.log");
                int applied = count(read(log), "Configuration applied");
                c.configure("graceMillis", "1234");
                assertTrue(await(log, s -> count(s, "Configuration applied") > applied, LIMIT), read(log));
                type(keys, "fig\r");
                assertTrue(await(screen, s -> s.matches("(?s).*graceMillis\\s+1234.*"), LIMIT), read(screen));
                String all = read(screen);
                assertFalse(all.contains("Configuration applied"), "a log line on the terminal:\n" + all);
                assertFalse(all.contains("gl! ") || all.contains("\u001b[?2004h"), all);

                type(keys, "stop 0\r");
                assertTrue(p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), read(screen));
                assertEquals(0, p.exitValue(), read(screen));
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static void type(OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean await(Path file, Predicate<String> condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(read(file))) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
