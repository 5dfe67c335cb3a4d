package dev.spindle.host.internal.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * The {@code log:} commands of the Gogo shell, after Karaf's: the last entries of the log and
 * following it, read from the OSGi {@link LogReaderService} that the logging backend
 * (pax-logging) registers; the level of a logger, changed where the backend's configuration (PID
 * {@value #PID}) has it: in Log4j 2's own file when the PID names one ({@value #CONFIG_FILE}, as
 * the shipped {@code config/org.ops4j.pax.logging.cfg} does: Log4j 2 applies the edit itself),
 * else in the PID's {@code log4j2.*} keys, in {@code config/org.ops4j.pax.logging.cfg} when they
 * came from there (File Install delivers the edit, the backend applies it), else in ConfigAdmin.
 */
@Component(service = LogCommands.class, property = {
    "osgi.command.scope=log",
    "osgi.command.function=display",
    "osgi.command.function=tail",
    "osgi.command.function=set",
    "osgi.command.function=get",
})
public final class LogCommands {

    /** The logging backend's configuration. */
    static final String PID = "org.ops4j.pax.logging";
    /** The key of the PID that names Log4j 2's own configuration file (relative to the container folder). */
    static final String CONFIG_FILE = "org.ops4j.pax.logging.log4j2.config.file";
    /** The prefix of Log4j 2's keys in the PID itself (none in Log4j 2's own file). */
    static final String INLINE = "log4j2.";
    static final String ROOT_LEVEL = INLINE + "rootLogger.level";
    /** Where File Install read the configuration from (a file: URL), when it did. */
    static final String FILE_NAME = "felix.fileinstall.filename";
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    @Reference
    private ConfigurationAdmin configAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile LogReaderService reader;

    public LogCommands() {
    }

    /** For tests: the services the component would get from DS. */
    LogCommands(ConfigurationAdmin configAdmin, LogReaderService reader) {
        this.configAdmin = configAdmin;
        this.reader = reader;
    }

    @Descriptor("the last entries of the log, oldest first (as var/log/spindle.log has them, from memory:"
            + " up to org.ops4j.pax.logging.logReaderServiceSize entries)")
    public String display(
            @Descriptor("how many entries (default 50)") @Parameter(names = {"-n", "--lines"}, absentValue = "50")
            int lines,
            @Descriptor("only entries at this level or more severe: ERROR, WARN, INFO, DEBUG, TRACE (default: all)")
            @Parameter(names = {"-l", "--level"}, absentValue = "TRACE") String level) {
        int threshold = severity(level);
        StringBuilder out = new StringBuilder();
        for (LogEntry e : last(reader(), lines, threshold)) {
            out.append(LogLines.format(e)).append('\n');
        }
        return out.toString();
    }

    @Descriptor("the last entries of the log, then every new one as it comes, until Ctrl-C (or --seconds)")
    public void tail(CommandSession session,
            @Descriptor("how many entries to show first (default 10)") @Parameter(names = {"-n", "--lines"},
                    absentValue = "10") int lines,
            @Descriptor("only entries at this level or more severe (default: all)")
            @Parameter(names = {"-l", "--level"}, absentValue = "TRACE") String level,
            @Descriptor("stop following after this many seconds (default 0: until interrupted)")
            @Parameter(names = {"-s", "--seconds"}, absentValue = "0") long seconds) throws InterruptedException {
        follow(session.getConsole(), lines, severity(level), seconds);
    }

    /** Prints the last {@code lines} entries, then new ones until interrupted or {@code seconds} (0: no end). */
    void follow(PrintStream out, int lines, int threshold, long seconds) throws InterruptedException {
        LogReaderService r = reader();
        BlockingQueue<LogEntry> fresh = new LinkedBlockingQueue<>(10_000);
        LogListener listener = e -> {
            if (e.getLogLevel().ordinal() <= threshold) {
                fresh.offer(e); // a follower that cannot keep up loses entries, never holds the logger
            }
        };
        r.addLogListener(listener);
        try {
            for (LogEntry e : last(r, lines, threshold)) {
                out.println(LogLines.format(e));
            }
            out.flush();
            long deadline = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || out.checkError()) {
                    return; // the time asked for is over, or the reader has gone
                }
                LogEntry e = fresh.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (e != null) {
                    out.println(LogLines.format(e));
                    out.flush();
                }
            }
        } finally {
            r.removeLogListener(listener);
        }
    }

    @Descriptor("sets the level of the root logger at once; the change is kept in config/log4j2.properties")
    public String set(@Descriptor("TRACE, DEBUG, INFO, WARN, ERROR or OFF") String level) throws IOException {
        return set(level, "ROOT");
    }

    @Descriptor("sets the level of a logger (and the loggers under it) at once; DEFAULT removes it, so that the"
            + " logger follows its parent; the change is kept in config/log4j2.properties")
    public String set(@Descriptor("TRACE, DEBUG, INFO, WARN, ERROR, OFF or DEFAULT") String level,
            @Descriptor("logger name, e.g. dev.spindle.host (ROOT: the root logger)") String logger) throws IOException {
        String wanted = level.toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(wanted) && !"DEFAULT".equals(wanted)) {
            throw new IllegalArgumentException("Unknown level " + level + ": use one of " + String.join(", ", LEVELS)
                    + " or DEFAULT");
        }
        boolean root = "ROOT".equalsIgnoreCase(logger);
        if (root && "DEFAULT".equals(wanted)) {
            throw new IllegalArgumentException("The root logger has no default level: give one of "
                    + String.join(", ", LEVELS));
        }
        Levels source = levelSource();
        Dictionary<String, Object> props = source.props;
        String prefix = source.prefix;
        Map<String, String> changes = new LinkedHashMap<>();
        if (root) {
            changes.put(prefix + "rootLogger.level", wanted);
        } else {
            String id = loggerId(props, prefix, logger);
            String key = prefix + "logger." + id;
            if ("DEFAULT".equals(wanted)) {
                changes.put(key + ".level", null);
                if (!hasOtherKeys(props, key)) {
                    changes.put(key + ".name", null);
                }
            } else {
                changes.put(key + ".name", logger);
                changes.put(key + ".level", wanted);
            }
        }
        if (source.file != null) {
            // Log4j 2 (its own file) or File Install (the PID's file) picks the edit up, as an operator's
            LevelFile.apply(source.file, changes);
        } else {
            for (Map.Entry<String, String> c : changes.entrySet()) {
                if (c.getValue() == null) {
                    props.remove(c.getKey());
                } else {
                    props.put(c.getKey(), c.getValue());
                }
            }
            source.cfg.update(props);
        }
        return (root ? "root logger" : logger) + ": " + ("DEFAULT".equals(wanted) ? "follows its parent" : wanted)
                + " (" + source.shown() + ")";
    }

    @Descriptor("every logger with a level of its own in the logging configuration, and that level")
    public String get() throws IOException {
        Table t = new Table("LOGGER", "LEVEL");
        Levels source = levelSource();
        levels(source.props, source.prefix).forEach(t::row);
        return t.toString();
    }

    @Descriptor("the level in effect for one logger: its own, or the one it inherits (and from which logger)")
    public String get(@Descriptor("logger name, e.g. dev.spindle.host.internal.router.Whiteboard") String logger)
            throws IOException {
        Levels source = levelSource();
        Map<String, String> levels = levels(source.props, source.prefix);
        for (String name = logger; ; name = parent(name)) {
            String level = levels.get(name);
            if (level != null) {
                return logger + ": " + level + (name.equals(logger) ? "" : " (from " + name + ")");
            }
        }
    }

    /**
     * Where the levels are: the PID's properties and {@code prefix} {@value #INLINE}, written to
     * {@code file} (File Install's) or to {@code cfg}; or Log4j 2's own file, no prefix.
     */
    private record Levels(Dictionary<String, Object> props, String prefix, Path file, Configuration cfg) {
        String shown() {
            Path here = Paths.get("").toAbsolutePath();
            return file == null ? "ConfigAdmin PID " + PID : file.startsWith(here) ? here.relativize(file).toString()
                    : file.toString();
        }
    }

    private Levels levelSource() throws IOException {
        Configuration cfg = configAdmin.getConfiguration(PID, null);
        Dictionary<String, Object> props = cfg.getProperties();
        Object own = props == null ? null : props.get(CONFIG_FILE);
        if (own != null) {
            Path file = Paths.get(own.toString()).toAbsolutePath();
            Properties log4j = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                log4j.load(in);
            }
            Hashtable<String, Object> copy = new Hashtable<>();
            log4j.stringPropertyNames().forEach(k -> copy.put(k, log4j.getProperty(k).trim()));
            return new Levels(copy, "", file, null);
        }
        Object file = props == null ? null : props.get(FILE_NAME);
        return new Levels(props == null ? new Hashtable<>() : props, INLINE,
                file == null ? null : Paths.get(URI.create(file.toString())), cfg);
    }

    /** Each logger with a level of its own, by name; the root logger as {@code ROOT}. */
    static Map<String, String> levels(Dictionary<String, Object> props, String prefix) {
        Map<String, String> out = new TreeMap<>();
        Object root = props == null ? null : props.get(prefix + "rootLogger.level");
        out.put("ROOT", root == null ? "ERROR" : root.toString());
        if (props == null) {
            return out;
        }
        String loggers = prefix + "logger.";
        for (String key : Collections.list(props.keys())) {
            if (key.startsWith(loggers) && key.endsWith(".level")) {
                String id = key.substring(loggers.length(), key.length() - ".level".length());
                Object name = props.get(loggers + id + ".name");
                if (name != null) {
                    out.put(name.toString(), props.get(key).toString());
                }
            }
        }
        return out;
    }

    private static String parent(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "ROOT" : name.substring(0, dot);
    }

    /** The id under which {@code logger} is configured, or a new one made of its name. */
    private static String loggerId(Dictionary<String, Object> props, String prefix, String logger) {
        String loggers = prefix + "logger.";
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (key.startsWith(loggers) && key.endsWith(".name") && logger.equals(props.get(key))) {
                return key.substring(loggers.length(), key.length() - ".name".length());
            }
        }
        return logger.replaceAll("[^A-Za-z0-9]", "_");
    }

    /** Whether the logger of keys {@code key.*} has keys beside its name and level (appenders, additivity). */
    private static boolean hasOtherKeys(Dictionary<String, Object> props, String key) {
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (k.startsWith(key + ".") && !k.equals(key + ".name") && !k.equals(key + ".level")) {
                return true;
            }
        }
        return false;
    }

    private LogReaderService reader() {
        LogReaderService r = reader;
        if (r == null) {
            throw new IllegalStateException("No log reader service: the logging backend (pax-logging-log4j2) is not"
                    + " running");
        }
        return r;
    }

    /** The last {@code count} entries at {@code threshold} or more severe, oldest first. */
    private static List<LogEntry> last(LogReaderService r, int count, int threshold) {
        if (count < 0) {
            throw new IllegalArgumentException("--lines must be 0 or more, not " + count);
        }
        List<LogEntry> out = new ArrayList<>();
        for (Enumeration<LogEntry> e = r.getLog(); e.hasMoreElements() && out.size() < count;) {
            LogEntry entry = e.nextElement(); // newest first
            if (entry.getLogLevel().ordinal() <= threshold) {
                out.add(entry);
            }
        }
        Collections.reverse(out);
        return out;
    }

    /** The threshold as a {@link LogLevel} ordinal (lower is more severe). */
    private static int severity(String level) {
        try {
            return LogLevel.valueOf(level.toUpperCase(Locale.ROOT)).ordinal();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown level " + level + ": use one of ERROR, WARN, INFO, DEBUG,"
                    + " TRACE");
        }
    }
}
