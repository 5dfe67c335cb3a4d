package dev.spindle.host.internal.http.dispatch;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide traffic counters: striped adders on the request path, and a once-a-second sample of
 * the request count from which rates over the last 1 to 60 seconds are read. Connections and
 * requests are also counted by the {@link Protocol} they speak.
 */
public final class EngineStats {

    /**
     * {@code -Ddev.spindle.metrics=false} turns off the counters that only feed the shell (traffic,
     * status classes, per-handler latency and status counts), so the benchmark can measure what
     * they cost. In-flight counting stays: the drain of removed handlers needs it.
     */
    public static final boolean ENABLED = !"false".equals(System.getProperty("dev.spindle.metrics"));

    private static final int SLOTS = 64;

    final LongAdder requests = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();
    private final LongAdder[] responses = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder(), new LongAdder()};
    private final LongAdder[] protocolConnections = adders(Protocol.values().length);
    private final LongAdder[] protocolRequests = adders(Protocol.values().length);
    /** Requests refused before they became an exchange, by status: rare, so a map. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, LongAdder> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLongArray samples = new AtomicLongArray(SLOTS);
    private volatile long sampledSeconds;
    private final long startNanos = System.nanoTime();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** {@code n} requests received over {@code protocol}, refused ones included. */
    void requests(Protocol protocol, long n) {
        requests.add(n);
        protocolRequests[protocol.ordinal()].add(n);
    }

    /** A connection begins to speak {@code protocol} (counted once in {@link #totalConnections()}). */
    void connectionOpened(Protocol protocol) {
        connectionsOpened.increment();
        protocolConnections[protocol.ordinal()].increment();
    }

    /** A connection counted as {@code from} turned to {@code to} (a cleartext one to HTTP/2): counted as {@code to} only. */
    public void connectionTurned(Protocol from, Protocol to) {
        protocolConnections[from.ordinal()].decrement();
        protocolConnections[to.ordinal()].increment();
    }

    /** Connections opened since start that speak {@code protocol} (one that turned to HTTP/2 counts as h2c only). */
    public long connections(Protocol protocol) {
        return protocolConnections[protocol.ordinal()].sum();
    }

    /** Requests received over {@code protocol} since start, refused ones included. */
    public long requests(Protocol protocol) {
        return protocolRequests[protocol.ordinal()].sum();
    }

    void response(int status) {
        int statusClass = status / 100;
        responses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment();
    }

    /** A request refused with {@code status} before it reached the router (a 400, 408, 413, 414, 431...). */
    void refused(int status) {
        refusals.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** A connection over {@code maxConnections} was answered 503 and closed. */
    public void connectionRefused() {
        connectionsRefused.increment();
    }

    /** Connections refused so far for being over {@code maxConnections}. */
    public long connectionsRefused() {
        return connectionsRefused.sum();
    }

    /** The requests refused so far, by status. */
    public java.util.Map<Integer, Long> refusals() {
        java.util.Map<Integer, Long> out = new java.util.TreeMap<>();
        refusals.forEach((status, n) -> out.put(status, n.sum()));
        return out;
    }

    /** Adds {@code n} responses of class {@code statusClass} (0 for anything unusual). */
    void responses(int statusClass, long n) {
        responses[statusClass].add(n);
    }

    /** Called once a second by the engine. */
    public void sample() {
        long s = sampledSeconds + 1;
        samples.set((int) (s % SLOTS), requests.sum());
        sampledSeconds = s;
    }

    public long totalRequests() {
        return requests.sum();
    }

    public double requestsPerSecond(int seconds) {
        long now = sampledSeconds;
        int span = (int) Math.min(Math.max(seconds, 1), Math.min(60, now));
        if (span == 0) {
            return 0;
        }
        long newest = samples.get((int) (now % SLOTS));
        long oldest = samples.get((int) ((now - span) % SLOTS));
        return (newest - oldest) / (double) span;
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    public long responses(int statusClass) {
        return statusClass >= 1 && statusClass <= 5 ? responses[statusClass].sum() : 0;
    }

    public long totalConnections() {
        return connectionsOpened.sum();
    }

    public int openConnections() {
        return (int) (connectionsOpened.sum() - connectionsClosed.sum());
    }

    public long uptimeNanos() {
        return System.nanoTime() - startNanos;
    }
}
