package dev.spindle.host.internal.shell;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import org.osgi.service.log.LogEntry;

/**
 * Beside the data path: a log entry as the log file writes it, for the {@code log:} commands and
 * the admin dashboard's log tail. Needs nothing of Gogo, so the dashboard works without the shell.
 */
public final class LogLines {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneId.systemDefault());

    private LogLines() {
    }

    /** Time, level, thread, logger, message, then the stack trace. */
    public static String format(LogEntry e) {
        StringBuilder b = new StringBuilder(128);
        b.append(TIME.format(Instant.ofEpochMilli(e.getTime()))).append(' ');
        String level = e.getLogLevel().name();
        b.append(level).append(" ".repeat(Math.max(0, 5 - level.length())));
        b.append(" [").append(e.getThreadInfo()).append("] ").append(e.getLoggerName()).append(" - ")
                .append(e.getMessage());
        Throwable t = e.getException();
        if (t != null) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            b.append('\n').append(trace.toString().stripTrailing());
        }
        return b.toString();
    }
}
