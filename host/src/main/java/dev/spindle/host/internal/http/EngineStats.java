package dev.spindle.host.internal.http;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide traffic counters: striped adders on the request path, and a once-a-second sample of
 * the request count from which rates over the last 1 to 60 seconds are read.
 */
public final class EngineStats {

    private static final int SLOTS = 64;

    final LongAdder requests = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder[] responses = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder(), new LongAdder()};
    private final AtomicLongArray samples = new AtomicLongArray(SLOTS);
    private volatile long sampledSeconds;
    private final long startNanos = System.nanoTime();

    void response(int status) {
        int statusClass = status / 100;
        responses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0].increment();
    }

    /** Called once a second by the engine. */
    void sample() {
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
