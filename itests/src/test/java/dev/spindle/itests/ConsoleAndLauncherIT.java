package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's tools against the assembled container as its own process: the loopback console
 * serves only clients with the token of this start, {@code ./spindle --command} exits with the
 * command's outcome, and {@code ./spindle} refuses to start a second container on the same folder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleAndLauncherIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private Container c;
    private Path tokenFile;
    private int consolePort;

    @BeforeAll
    void start() throws Exception {
        c = Container.prepare("console");
        c.start(false);
        assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
        tokenFile = c.home.resolve("var/console.token");
        assertNotNull(c.awaitLog(Pattern.compile("Loopback console on 127.0.0.1:\\d+"), STARTUP), c.log());
        consolePort = Integer.parseInt(Files.readString(c.home.resolve("config/dev.spindle.console.cfg"))
                .replaceAll("(?s).*port = (\\d+).*", "$1"));
    }

    @AfterAll
    void stop() throws Exception {
        c.close();
    }

    /** Opens a connection to the console, sends {@code lines}, returns everything it answered until it closed. */
    private String console(String lines) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), consolePort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(lines.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theTokenFileIsReadableByTheContainersUserOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals(64, Files.readString(tokenFile).trim().length(), "32 random bytes, hex");
    }

    @Test
    void aConnectionWithoutTheTokenIsRefusedAndLogged() throws Exception {
        String answer = console("spindle:stats\n");
        assertTrue(answer.startsWith("#spindle-error spindle console: refused:"), answer);
        assertFalse(answer.contains("transport") || answer.contains("#spindle-status"), answer);
        assertNotNull(c.awaitLog(Pattern.compile("Console connection from \\S+ refused: wrong token"), STARTUP), c.log());
        String empty = console("\nspindle:stats\n");
        assertTrue(empty.startsWith("#spindle-error spindle console: refused:"), empty);
        assertNotNull(c.awaitLog(Pattern.compile("Console connection from \\S+ refused: no token"), STARTUP), c.log());
    }

    @Test
    void aConnectionWithAWrongTokenIsRefused() throws Exception {
        String token = Files.readString(tokenFile).trim();
        String wrong = (token.charAt(0) == 'a' ? "b" : "a") + token.substring(1);
        String answer = console(wrong + "\nspindle:stats\n");
        assertTrue(answer.startsWith("#spindle-error spindle console: refused:"), answer);
        assertFalse(answer.contains("transport"), answer);
    }

    @Test
    void aConnectionWithTheTokenRunsTheCommandAndEndsWithItsStatus() throws Exception {
        String answer = console(Files.readString(tokenFile).trim() + "\nspindle:stats\n");
        assertTrue(answer.contains("transport") && answer.endsWith("\n#spindle-status 0\n"), answer);
        String failed = console(Files.readString(tokenFile).trim() + "\nno-such-command\n");
        assertTrue(failed.lines().anyMatch(l -> l.startsWith("#spindle-error ") && l.contains("Command not found"))
                && failed.endsWith("\n#spindle-status 1\n"), failed);
    }

    @Test
    void theScriptPrintsTheOutputAndExitsZeroWhenTheCommandSucceeds() throws Exception {
        Container.Run stats = c.run("--command", "spindle:stats");
        assertEquals(0, stats.exit(), stats.output());
        assertTrue(stats.output().contains("transport"), stats.output());
        assertFalse(stats.output().contains("#spindle-status"), stats.output());
    }

    @Test
    void theScriptExitsNonZeroWhenTheCommandFails() throws Exception {
        Container.Run unknown = c.run("--command", "no-such-command");
        assertEquals(1, unknown.exit(), unknown.output());
        assertTrue(unknown.output().contains("Command not found"), unknown.output());
        assertFalse(unknown.output().contains("#spindle-status"), unknown.output());
        Container.Run noBundle = c.run("--command", "spindle:undeploy 9999");
        assertEquals(1, noBundle.exit(), noBundle.output());
        assertTrue(noBundle.output().contains("No bundle with id or symbolic name 9999"), noBundle.output());
    }

    @Test
    void theScriptWritesTheCommandsOutputToStdoutAndItsErrorsToStderr() throws Exception {
        Path out = Files.createTempFile(c.home, "command", ".out");
        Path err = Files.createTempFile(c.home, "command", ".err");
        Process p = c.launcher("--command", "echo before the error; no-such-command").redirectErrorStream(false)
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertEquals("before the error\n", Files.readString(out));
        assertTrue(Files.readString(err).contains("Command not found: no-such-command"), Files.readString(err));
        assertFalse(Files.readString(err).contains("#spindle"), Files.readString(err));
    }

    @Test
    void logTailThroughTheScriptFollowsTheLogAsItComesUntilCtrlC() throws Exception {
        Path screen = Files.createTempFile(c.home, "tail", ".out");
        Process tail = c.onTerminal("--command", "log:tail -n 0").redirectOutput(screen.toFile()).start();
        try (OutputStream keys = tail.getOutputStream()) {
            // each refused connection logs a warning; the console serves them while log:tail runs
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (!TerminalIT.read(screen).contains("refused: wrong token") && System.nanoTime() < deadline) {
                console("not-the-token\n");
                Thread.sleep(200);
            }
            assertTrue(TerminalIT.read(screen).contains("refused: wrong token"), TerminalIT.read(screen));
            assertTrue(tail.isAlive(), "log:tail follows: " + TerminalIT.read(screen));

            TerminalIT.type(keys, "\u0003"); // Ctrl-C
            assertTrue(tail.waitFor(30, TimeUnit.SECONDS), "Ctrl-C ends it");
            assertNotEquals(0, tail.exitValue());
            assertNotNull(c.awaitLog(Pattern.compile("Console client closed the connection while 'log:tail -n 0' ran:"
                    + " interrupted it"), STARTUP), "the container's log:tail ended too\n" + c.log());
        } finally {
            tail.destroy();
        }
    }

    @Test
    void linesLoggedByACommandGoToTheContainersConsoleAndLogNotToTheCommandsOutput() throws Exception {
        Matcher hello = Pattern.compile("(?m)^\\s*(\\d+)\\|.*dev\\.spindle\\.samples\\.hello ")
                .matcher(c.script("lb -s dev.spindle.samples.hello"));
        assertTrue(hello.find());
        String id = hello.group(1);
        Container.Run update = c.run("--command", "update " + id);
        assertEquals(0, update.exit(), update.output());
        assertFalse(update.output().contains("Handler service"), "log lines in the command's output:\n" + update.output());
        Pattern logged = Pattern.compile("\\[pipe-update " + id + "] \\S*Whiteboard - Handler service \\d+ from"
                + " dev\\.spindle\\.samples\\.hello serves /hello");
        assertNotNull(c.awaitLog(logged, STARTUP), "on the container's console\n" + c.log());
        Path log = c.home.resolve("var/log/spindle.log");
        assertTrue(TerminalIT.await(log, s -> logged.matcher(s).find(), STARTUP), TerminalIT.read(log));
    }

    @Test
    void aSecondLauncherOnTheSameFolderIsRefusedAndACrashDoesNotBlockARestart() throws Exception {
        try (Container first = Container.prepare("lock")) {
            first.launch();
            assertTrue(Http.awaitOk(first.port, "/hello", STARTUP), first.log());

            Container.Run second = first.run("--background");
            assertEquals(1, second.exit(), second.output());
            assertTrue(second.output().contains("already running") && second.output().contains("PID " + first.pid()),
                    second.output());
            assertTrue(first.alive(), first.log());
            assertEquals(200, Http.get(first.port, "/hello").status);
            assertEquals(1, Pattern.compile("Spindle listening on").matcher(first.log()).results().count(),
                    first.log());

            first.kill(); // a crash: the lock file stays behind with the dead PID
            assertTrue(Files.exists(first.home.resolve("var/spindle.lock")));
            first.launch();
            assertTrue(Http.awaitOk(first.port, "/hello", STARTUP), first.log());
            assertTrue(first.awaitStarted(STARTUP), "the console of the new start works\n" + first.log());
            assertEquals(String.valueOf(first.pid()), Files.readString(first.home.resolve("var/spindle.lock")).trim());
            assertEquals(0, first.run("--command", "spindle:stats").exit(), "the console of the new start works");

            first.terminate(); // a clean stop takes the console's token with it
            assertTrue(first.awaitExit(Duration.ofSeconds(30)), first.log());
            assertFalse(Files.exists(first.home.resolve("var/console.token")), "token left behind after a clean stop");
        }
    }
}
