package dev.spindle.host.internal.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogReaderService;

import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.router.DeployEvents;
import dev.spindle.host.internal.shell.LogLines;

/**
 * Beside the data path, read once a second by the {@link DashboardFeed} while a dashboard watches:
 * the server as the dashboard draws it, as JSON-ready maps. Each handler with its state and
 * counters, its requests per second and error rate since the previous sample (from the counters
 * the engine keeps anyway for the shell), its p50 and p99 of about the last minute; the open
 * connections; the registration changes (with an unregistration followed within
 * {@value #REDEPLOY_WINDOW_MILLIS} ms by a registration on the same route, or the other way round,
 * called a redeploy); the new lines of the log, as {@code log:display} prints them.
 * Not thread-safe: the feed calls it from the admin event loop only.
 */
final class DashboardState {

    /** How close an unregistration and a registration on one route must be to make a redeploy. */
    static final long REDEPLOY_WINDOW_MILLIS = 10_000;
    /** Log lines sent to a new dashboard, and at most per sample. */
    static final int LOG_LINES = 100;

    private final Supplier<ServerProbe> probe;
    private final LongFunction<String> bundleVersion;
    private final Supplier<LogReaderService> logs;

    /** The previous sample's counters by handler service id: requests, then 5xx responses. */
    private Map<Long, long[]> before = Map.of();
    private long beforeNanos;
    /** The last registration change and log entry the samples sent (by sequence number). */
    private long deploysSent;
    private long logSent;
    /** Whether the cursors above follow a dashboard's {@link #first} (false after a {@link #reset}). */
    private boolean primed;

    /**
     * @param bundleVersion the version of the bundle with an id ("" if gone)
     * @param logs the log reader (null when the logging backend is not running)
     */
    DashboardState(Supplier<ServerProbe> probe, LongFunction<String> bundleVersion, Supplier<LogReaderService> logs) {
        this.probe = probe;
        this.bundleVersion = bundleVersion;
        this.logs = logs;
    }

    /**
     * What a dashboard that just connected sees: the server now (no rates, the counters left as
     * the samples need them), every kept registration change, the last log lines. A sample may
     * repeat a change or line sent here (each carries its {@code seq}: the page skips those seen).
     */
    Map<String, Object> first() {
        Map<String, Object> out = server(0, false);
        DeployEvents events = events();
        List<Map<String, Object>> deploys = events == null ? List.of() : deploys(events.since(0), 0);
        List<Map<String, Object>> log = log(0);
        if (!primed) { // the first dashboard: the samples go on from here
            primed = true;
            deploysSent = lastSeq(deploys, deploysSent);
            logSent = lastSeq(log, logSent);
        }
        out.put("deploys", deploys);
        out.put("log", log);
        return out;
    }

    /** The server now, with rates since the previous sample, and what changed or was logged since. */
    Map<String, Object> sample() {
        long now = System.nanoTime();
        Map<String, Object> out = server(beforeNanos == 0 ? 0 : now - beforeNanos, true);
        beforeNanos = now;
        DeployEvents events = events();
        List<Map<String, Object>> deploys = events == null ? List.of() : deploys(events.since(0), deploysSent);
        List<Map<String, Object>> log = log(logSent);
        deploysSent = lastSeq(deploys, deploysSent);
        logSent = lastSeq(log, logSent);
        out.put("deploys", deploys);
        out.put("log", log);
        return out;
    }

    /** Forgets the previous sample (the dashboards all went away): the next one has no rates. */
    void reset() {
        beforeNanos = 0;
        before = Map.of();
        primed = false;
    }

    private static long lastSeq(List<Map<String, Object>> sent, long otherwise) {
        return sent.isEmpty() ? otherwise : Math.max(otherwise, (Long) sent.get(sent.size() - 1).get("seq"));
    }

    private DeployEvents events() {
        ServerProbe p = probe.get();
        return p == null ? null : p.events();
    }

    /**
     * Handlers and connections; rates over {@code elapsedNanos} (0: none) against {@link #before},
     * which becomes these counters if {@code keep}.
     */
    private Map<String, Object> server(long elapsedNanos, boolean keep) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("time", System.currentTimeMillis());
        ServerProbe p = probe.get();
        HttpEngine engine = p == null ? null : p.engine();
        out.put("serving", engine != null);
        out.put("connections", engine == null ? 0 : engine.openConnections());
        out.put("vacant", p == null ? List.of() : p.vacantRoutes());
        List<Map<String, Object>> handlers = new ArrayList<>();
        Map<Long, long[]> now = new HashMap<>();
        for (HttpServer.HandlerRegistration h : p == null ? List.<HttpServer.HandlerRegistration>of() : p.handlers()) {
            long requests = h.totalRequests();
            long errors = h.responses(5);
            now.put(h.serviceId(), new long[] {requests, errors});
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", h.serviceId());
            m.put("route", h.route());
            m.put("kind", h.webSocket() ? "websocket" : "http");
            m.put("bundle", h.bundleSymbolicName());
            m.put("version", bundleVersion.apply(h.bundleId()));
            m.put("state", h.state());
            m.put("reason", h.reason());
            m.put("requests", requests);
            m.put("errors", errors);
            m.put("inFlight", h.inFlight());
            m.put("p50", h.latencyMillis(50));
            m.put("p99", h.latencyMillis(99));
            long[] was = before.get(h.serviceId());
            if (elapsedNanos > 0) {
                long done = requests - (was == null ? 0 : was[0]);
                long failed = errors - (was == null ? 0 : was[1]);
                m.put("rate", done * 1e9 / elapsedNanos);
                m.put("errorRate", done == 0 ? 0.0 : (double) failed / done);
            }
            handlers.add(m);
        }
        if (keep) {
            before = now;
        }
        out.put("handlers", handlers);
        return out;
    }

    /** The events numbered above {@code after}, named as the dashboard draws them. */
    private List<Map<String, Object>> deploys(List<DeployEvents.Event> kept, long after) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            DeployEvents.Event e = kept.get(i);
            if (e.seq() <= after) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", e.seq());
            m.put("time", e.timeMillis());
            m.put("kind", name(kept, i));
            m.put("route", e.route());
            m.put("id", e.serviceId());
            m.put("bundle", e.bundle());
            out.add(m);
        }
        return out;
    }

    /** {@code kept[i]}'s kind, or {@code redeployed} when it completes a replacement of its route's handler. */
    static String name(List<DeployEvents.Event> kept, int i) {
        DeployEvents.Event e = kept.get(i);
        boolean registration = e.kind() == DeployEvents.Kind.REGISTERED || e.kind() == DeployEvents.Kind.UNREGISTERED;
        if (registration && e.route() != null) {
            for (int j = i - 1; j >= 0; j--) {
                DeployEvents.Event d = kept.get(j);
                if (e.timeMillis() - d.timeMillis() > REDEPLOY_WINDOW_MILLIS) {
                    break;
                }
                boolean other = d.kind() == DeployEvents.Kind.REGISTERED || d.kind() == DeployEvents.Kind.UNREGISTERED;
                if (other && e.route().equals(d.route())) {
                    return d.kind() != e.kind() && d.serviceId() != e.serviceId() ? "redeployed" : e.kind().label();
                }
            }
        }
        return e.kind().label();
    }

    /** The log entries numbered above {@code after} (the last {@link #LOG_LINES} at most), oldest first. */
    private List<Map<String, Object>> log(long after) {
        LogReaderService reader = logs.get();
        if (reader == null) {
            return List.of();
        }
        List<LogEntry> fresh = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements() && fresh.size() < LOG_LINES;) {
            LogEntry entry = e.nextElement(); // newest first
            if (entry.getSequence() <= after) {
                break;
            }
            fresh.add(entry);
        }
        Collections.reverse(fresh);
        List<Map<String, Object>> lines = new ArrayList<>(fresh.size());
        for (LogEntry entry : fresh) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", entry.getSequence());
            m.put("level", entry.getLogLevel().name());
            m.put("line", LogLines.format(entry));
            lines.add(m);
        }
        return lines;
    }
}
