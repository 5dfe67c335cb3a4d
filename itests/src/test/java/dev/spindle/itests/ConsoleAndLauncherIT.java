package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
        assertTrue(answer.startsWith("spindle console: refused:"), answer);
        assertFalse(answer.contains("transport") || answer.contains("#spindle-status"), answer);
        assertNotNull(c.awaitLog(Pattern.compile("Console connection from \\S+ refused: wrong token"), STARTUP), c.log());
        String empty = console("\nspindle:stats\n");
        assertTrue(empty.startsWith("spindle console: refused:"), empty);
        assertNotNull(c.awaitLog(Pattern.compile("Console connection from \\S+ refused: no token"), STARTUP), c.log());
    }

    @Test
    void aConnectionWithAWrongTokenIsRefused() throws Exception {
        String token = Files.readString(tokenFile).trim();
        String wrong = (token.charAt(0) == 'a' ? "b" : "a") + token.substring(1);
        String answer = console(wrong + "\nspindle:stats\n");
        assertTrue(answer.startsWith("spindle console: refused:"), answer);
        assertFalse(answer.contains("transport"), answer);
    }

    @Test
    void aConnectionWithTheTokenRunsTheCommandAndEndsWithItsStatus() throws Exception {
        String answer = console(Files.readString(tokenFile).trim() + "\nspindle:stats\n");
        assertTrue(answer.contains("transport") && answer.endsWith("\n#spindle-status 0\n"), answer);
        String failed = console(Files.readString(tokenFile).trim() + "\nno-such-command\n");
        assertTrue(failed.contains("Command not found") && failed.endsWith("\n#spindle-status 1\n"), failed);
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
