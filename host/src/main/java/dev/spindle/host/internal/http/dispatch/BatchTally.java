package dev.spindle.host.internal.http.dispatch;

import java.util.Arrays;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Data path: beside the connections of one event loop, between their exchanges and the counters
 * they feed ({@link EngineStats} for the server, {@link RouteTarget} for each handler). What a
 * read batch counts (requests, responses by status class, bytes in and out, and runs of completed
 * exchanges of one handler and one method) is kept in plain fields and published once at the batch's end: one
 * update of the shared adders per batch, not per request. A loop reads one connection's batch at
 * a time, so its HTTP/1.1 connections share one tally per protocol ({@link #ofLoop}) instead of
 * holding one each; the caller says whether a count belongs to its read batch (another
 * connection's exchange ending meanwhile is counted at once). Event loop only.
 */
public final class BatchTally {

    /** The loop's tallies by protocol, each for the stats it was made for. */
    private static final FastThreadLocal<BatchTally[]> LOOP_TALLIES = new FastThreadLocal<>() {
        @Override
        protected BatchTally[] initialValue() {
            return new BatchTally[Protocol.values().length];
        }
    };

    private final EngineStats stats;
    /** What the connection speaks: its requests are counted under it. */
    private final Protocol protocol;
    private long requests;
    private final long[] responses = new long[6];
    // a run of completed exchanges of one handler, one method and one read batch
    private RouteTarget runTarget;
    private RequestMethod runMethod;
    private long runStart;
    private int runCount;
    /** The run's responses by status class (1 to 5). */
    private final int[] runByStatus = new int[6];

    public BatchTally(EngineStats stats, Protocol protocol) {
        this.stats = stats;
        this.protocol = protocol;
    }

    /**
     * The calling event loop's tally for {@code protocol} and {@code stats}; a connection takes it
     * once, on its loop, and keeps it (another engine's connections on the loop may replace it here
     * for newer connections: the counts a tally holds are published at each batch's end).
     */
    public static BatchTally ofLoop(EngineStats stats, Protocol protocol) {
        BatchTally[] tallies = LOOP_TALLIES.get();
        BatchTally t = tallies[protocol.ordinal()];
        if (t == null || t.stats != stats) {
            t = new BatchTally(stats, protocol);
            tallies[protocol.ordinal()] = t;
        }
        return t;
    }

    public EngineStats stats() {
        return stats;
    }

    /** A request; {@code inBatch}: of the caller's read batch, counted at {@link #publish}. */
    public void request(boolean inBatch) {
        if (inBatch) {
            requests++;
        } else {
            stats.requests(protocol, 1);
        }
    }

    /** A request refused before it became an exchange: counted with its status. */
    public void refused(int status) {
        stats.requests(protocol, 1);
        stats.response(status);
        stats.refused(status);
    }

    /**
     * The body of a request already counted (with {@link #request}) was refused with {@code status};
     * {@code answeredHere}: the refusal's response is written outside the request's exchange (HTTP/1.1),
     * so it is counted here; on HTTP/2 the exchange answers it and counts it when it ends.
     */
    public void bodyRefused(int status, boolean answeredHere) {
        if (answeredHere) {
            stats.response(status);
        }
        stats.refused(status);
    }

    /** A response, by its status (0 when nothing was sent); {@code inBatch} as for {@link #request}. */
    public void responded(int status, boolean inBatch) {
        if (status == 0 || !EngineStats.ENABLED) {
            return;
        }
        if (inBatch) {
            int statusClass = status / 100;
            responses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0]++;
        } else {
            stats.response(status);
        }
    }

    /**
     * An exchange of {@code target} for a request to {@code method} ended. Completed ones of one
     * read batch (pipelined requests answered by one flush) are counted in runs; the rest at once,
     * ending at {@code endNanos} (0: now). {@code inBatch} as for {@link #request}.
     */
    public void finished(RouteTarget target, RequestMethod method, Outcome outcome, int status, long startNanos,
            long endNanos, boolean inBatch) {
        if (!inBatch || outcome != Outcome.COMPLETED) {
            long end = EngineStats.ENABLED ? (endNanos != 0 ? endNanos : System.nanoTime()) : 0;
            target.finished(outcome, status, method, EngineStats.ENABLED ? end - startNanos : -1, end);
            return;
        }
        if (target != runTarget || method != runMethod || startNanos != runStart) {
            publishRun(endNanos);
            runTarget = target;
            runMethod = method;
            runStart = startNanos;
        }
        runCount++;
        if (status >= 100 && status < 600) {
            runByStatus[status / 100]++;
        }
    }

    private void publishRun(long flushedNanos) {
        if (runCount == 0) {
            return;
        }
        long end = 0;
        if (EngineStats.ENABLED) {
            end = flushedNanos != 0 && flushedNanos - runStart >= 0 ? flushedNanos : System.nanoTime();
        }
        runTarget.finished(runCount, runMethod, runByStatus, EngineStats.ENABLED ? end - runStart : -1, end);
        runTarget = null;
        runMethod = null;
        runCount = 0;
        Arrays.fill(runByStatus, 0);
    }

    /** The requests counted so far go out now: before their responses do. */
    public void publishRequests() {
        if (requests != 0) {
            stats.requests(protocol, requests);
            requests = 0;
        }
    }

    /** Bytes read and written outside a read batch (a stream pushed by a timer, say). */
    public void bytes(long bytesIn, long bytesOut) {
        if (bytesIn != 0) {
            stats.bytesIn.add(bytesIn);
        }
        if (bytesOut != 0) {
            stats.bytesOut.add(bytesOut);
        }
    }

    /**
     * The batch is over: everything counted goes to the shared counters.
     *
     * @param flushedNanos when the batch's last flush began, the end of the runs' latency
     */
    public void publish(long bytesIn, long bytesOut, long flushedNanos) {
        publishRun(flushedNanos);
        publishRequests();
        for (int i = 0; i < responses.length; i++) {
            if (responses[i] != 0) {
                stats.responses(i, responses[i]);
                responses[i] = 0;
            }
        }
        bytes(bytesIn, bytesOut);
    }
}
