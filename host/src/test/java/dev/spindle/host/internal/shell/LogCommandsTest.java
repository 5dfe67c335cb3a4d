package dev.spindle.host.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The {@code log:} commands against a log reader and a ConfigAdmin of their own: what they show,
 * what they write into the logging configuration, and the clear answers to wrong arguments.
 */
class LogCommandsTest {

    /** Newest first, as pax-logging's reader returns them. */
    private final List<LogEntry> entries = new CopyOnWriteArrayList<>();
    private final List<LogListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Dictionary<String, Object>> stored = new AtomicReference<>();
    private final LogCommands commands = new LogCommands(configAdmin(), reader());

    private LogReaderService reader() {
        return (LogReaderService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {LogReaderService.class}, (p, m, args) -> switch (m.getName()) {
                    case "getLog" -> Collections.enumeration(entries);
                    case "addLogListener" -> listeners.add((LogListener) args[0]);
                    case "removeLogListener" -> listeners.remove(args[0]);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @SuppressWarnings("unchecked")
    private ConfigurationAdmin configAdmin() {
        Configuration cfg = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (p, m, args) -> switch (m.getName()) {
                    case "getProperties" -> stored.get() == null ? null : copy(stored.get());
                    case "update" -> {
                        stored.set(copy((Dictionary<String, Object>) args[0]));
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (p, m, args) -> {
                    assertEquals(LogCommands.PID, args[0]);
                    return cfg;
                });
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Hashtable<String, Object> out = new Hashtable<>();
        Collections.list(d.keys()).forEach(k -> out.put(k, d.get(k)));
        return out;
    }

    private static LogEntry entry(long time, LogLevel level, String logger, String message) {
        return (LogEntry) Proxy.newProxyInstance(LogCommandsTest.class.getClassLoader(),
                new Class<?>[] {LogEntry.class}, (p, m, args) -> switch (m.getName()) {
                    case "getTime" -> time;
                    case "getLogLevel" -> level;
                    case "getLoggerName" -> logger;
                    case "getThreadInfo" -> "main";
                    case "getMessage" -> message;
                    case "getException" -> null;
                    case "getBundle" -> (Bundle) null;
                    case "getServiceReference" -> (ServiceReference<?>) null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private void logged(long time, LogLevel level, String message) {
        LogEntry e = entry(time, level, "dev.spindle.test", message);
        entries.add(0, e);
        listeners.forEach(l -> l.logged(e));
    }

    @Test
    void displayShowsTheLastEntriesOldestFirstWithTimeLevelThreadAndLogger() {
        logged(1_000, LogLevel.INFO, "one");
        logged(2_000, LogLevel.DEBUG, "two");
        logged(3_000, LogLevel.WARN, "three");
        String out = commands.display(2, "TRACE");
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        assertTrue(lines[0].matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\S* DEBUG \\[main] dev\\.spindle\\.test - two"),
                lines[0]);
        assertTrue(lines[1].endsWith(" WARN  [main] dev.spindle.test - three"), lines[1]);
        assertEquals(List.of("one", "three"), List.of(commands.display(50, "info").split("\n")).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList(), "INFO and more severe only");
    }

    @Test
    void tailShowsTheLastEntriesThenFollowsNewOnesUntilInterrupted() throws Exception {
        logged(1_000, LogLevel.INFO, "before");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread follower = new Thread(() -> {
            try {
                commands.follow(out, 10, LogLevel.TRACE.ordinal(), 0);
            } catch (Throwable t) {
                ended.set(t);
            }
        });
        follower.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (listeners.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        logged(2_000, LogLevel.INFO, "after");
        while (!bytes.toString(StandardCharsets.UTF_8).contains("after") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        follower.interrupt(); // Ctrl-C at the prompt
        follower.join(5_000);
        assertFalse(follower.isAlive());
        assertTrue(ended.get() instanceof InterruptedException, String.valueOf(ended.get()));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.indexOf("- before") >= 0 && text.indexOf("- before") < text.indexOf("- after"), text);
        assertTrue(listeners.isEmpty(), "the follower stopped listening");
    }

    @Test
    void setWritesTheLevelOfALoggerOrTheRootIntoTheLoggingConfiguration() throws Exception {
        Hashtable<String, Object> initial = new Hashtable<>();
        initial.put(LogCommands.ROOT_LEVEL, "INFO");
        initial.put("log4j2.logger.netty.name", "io.netty");
        initial.put("log4j2.logger.netty.level", "WARN");
        stored.set(initial);

        commands.set("debug", "dev.spindle.host");
        assertEquals("DEBUG", stored.get().get("log4j2.logger.dev_spindle_host.level"));
        assertEquals("dev.spindle.host", stored.get().get("log4j2.logger.dev_spindle_host.name"));
        commands.set("ERROR", "io.netty");
        assertEquals("ERROR", stored.get().get("log4j2.logger.netty.level"), "an existing logger keeps its key");
        commands.set("WARN");
        assertEquals("WARN", stored.get().get(LogCommands.ROOT_LEVEL));
        assertEquals("dev.spindle.host.internal.x: DEBUG (from dev.spindle.host)", commands.get("dev.spindle.host.internal.x"));

        commands.set("DEFAULT", "dev.spindle.host");
        assertEquals(null, stored.get().get("log4j2.logger.dev_spindle_host.level"));
        assertEquals(null, stored.get().get("log4j2.logger.dev_spindle_host.name"));
        assertEquals("dev.spindle.host.internal.x: WARN (from ROOT)", commands.get("dev.spindle.host.internal.x"));
        assertTrue(commands.get().matches("(?s)LOGGER\\s+LEVEL\nROOT\\s+WARN\nio\\.netty\\s+ERROR\n"), commands.get());
    }

    @Test
    void aConfigurationFromAFileIsChangedInThatFileWrittenAsideThenRenamedAndConfigAdminIsLeftToFileInstall(
            @TempDir Path dir) throws Exception {
        Path file = dir.resolve("org.ops4j.pax.logging.cfg");
        Files.writeString(file, "# the logging\nlog4j2.rootLogger.level = INFO\n# netty\nlog4j2.logger.netty.name = io.netty\n"
                + "log4j2.logger.netty.level = WARN\n");
        Hashtable<String, Object> initial = new Hashtable<>();
        initial.put(LogCommands.ROOT_LEVEL, "INFO");
        initial.put("log4j2.logger.netty.name", "io.netty");
        initial.put("log4j2.logger.netty.level", "WARN");
        initial.put(LogCommands.FILE_NAME, file.toUri().toString());
        stored.set(initial);

        commands.set("DEBUG", "io.netty");
        commands.set("TRACE", "dev.spindle");
        commands.set("ERROR");
        assertEquals("# the logging\nlog4j2.rootLogger.level = ERROR\n# netty\nlog4j2.logger.netty.name = io.netty\n"
                + "log4j2.logger.netty.level = DEBUG\nlog4j2.logger.dev_spindle.name = dev.spindle\n"
                + "log4j2.logger.dev_spindle.level = TRACE\n", Files.readString(file));
        commands.set("DEFAULT", "io.netty");
        assertEquals("# the logging\nlog4j2.rootLogger.level = ERROR\n# netty\nlog4j2.logger.dev_spindle.name = dev.spindle\n"
                + "log4j2.logger.dev_spindle.level = TRACE\n", Files.readString(file));
        assertEquals(initial, stored.get(), "ConfigAdmin hears of it from File Install, not from the command");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "nothing left aside");
        }
    }

    @Test
    void whenThePidNamesLog4jsOwnFileTheLevelsAreChangedThereWithLog4jsKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(file, "monitorInterval = 1\nrootLogger.level = INFO\nlogger.netty.name = io.netty\n"
                + "logger.netty.level = WARN\nlogger.access.name = spindle.access\nlogger.access.level = INFO\n"
                + "logger.access.additivity = false\n");
        Hashtable<String, Object> pid = new Hashtable<>();
        pid.put(LogCommands.CONFIG_FILE, file.toString());
        pid.put(LogCommands.FILE_NAME, dir.resolve("org.ops4j.pax.logging.cfg").toUri().toString());
        stored.set(pid);

        assertTrue(commands.set("DEBUG", "dev.spindle").endsWith("dev.spindle: DEBUG (" + file + ")"));
        commands.set("ERROR", "io.netty");
        commands.set("WARN");
        commands.set("DEFAULT", "spindle.access");
        assertEquals("monitorInterval = 1\nrootLogger.level = WARN\nlogger.netty.name = io.netty\n"
                + "logger.netty.level = ERROR\nlogger.access.name = spindle.access\nlogger.access.additivity = false\n"
                + "logger.dev_spindle.name = dev.spindle\nlogger.dev_spindle.level = DEBUG\n", Files.readString(file));
        assertEquals("dev.spindle.host: DEBUG (from dev.spindle)", commands.get("dev.spindle.host"));
        assertTrue(commands.get().matches("(?s)LOGGER\\s+LEVEL\nROOT\\s+WARN\ndev\\.spindle\\s+DEBUG\nio\\.netty\\s+ERROR\n"),
                commands.get());
        assertEquals(pid, stored.get(), "the PID stays as it is");
    }

    @Test
    void wrongArgumentsGetOneClearSentence() {
        assertEquals("Unknown level LOUD: use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF or DEFAULT",
                assertThrows(IllegalArgumentException.class, () -> commands.set("LOUD", "x")).getMessage());
        assertEquals("The root logger has no default level: give one of TRACE, DEBUG, INFO, WARN, ERROR, OFF",
                assertThrows(IllegalArgumentException.class, () -> commands.set("DEFAULT")).getMessage());
        assertEquals("Unknown level noisy: use one of ERROR, WARN, INFO, DEBUG, TRACE",
                assertThrows(IllegalArgumentException.class, () -> commands.display(5, "noisy")).getMessage());
        assertEquals("No log reader service: the logging backend (pax-logging-log4j2) is not running",
                assertThrows(IllegalStateException.class, () -> new LogCommands(configAdmin(), null).display(5, "INFO"))
                        .getMessage());
    }
}
