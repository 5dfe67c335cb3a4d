package dev.spindle.host.internal.http.connection;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.http.dispatch.BatchTally;
import dev.spindle.host.internal.http.dispatch.BlockedLoopChecker;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.Response;

/**
 * Data path: inside {@link HttpConnection}, around each read batch (the messages {@link RequestDecoder}
 * passes on from one socket read, from the first {@code channelRead} to {@code channelReadComplete}).
 * The batch's accounting: its start time (the handler calls' span and the exchanges' start), the
 * requests and responses counted in the event loop's {@link BatchTally} and published once at the
 * batch's end with the bytes in and out, the blocked-loop span ended with the flush's clock reading,
 * and the idle check that ended exchanges ask for, run once per batch. Outside a batch (a response
 * finished by a later flush, a worker's answer) the same counts are published at once. Event loop only.
 */
final class ReadBatch {

    private final HttpConnection connection;
    /** The event loop's (see {@link BatchTally#ofLoop}). */
    private final BatchTally tally;
    private final RequestDecoder decoder;
    private final ResponseEncoder encoder;
    private long startNanos;
    private boolean open;
    /** An exchange ended during the batch: see at its end whether the connection is idle. */
    private boolean idleCheckPending;

    ReadBatch(HttpConnection connection, BatchTally tally, RequestDecoder decoder, ResponseEncoder encoder) {
        this.connection = connection;
        this.tally = tally;
        this.decoder = decoder;
        this.encoder = encoder;
    }

    BatchTally tally() {
        return tally;
    }

    /** Whether a read batch is under way. */
    boolean open() {
        return open;
    }

    /** When the batch's read began (the decoder's clock reading). */
    long startNanos() {
        return startNanos;
    }

    /** A message of a read: the first one opens the batch. */
    void read() {
        if (!open) {
            open = true;
            startNanos = decoder.readNanos();
            connection.writes().batchStarted();
        }
    }

    /** The end of the read: flushes the batch's responses, publishes its counts, runs its idle check. */
    void complete(ResponseQueue queue) {
        // requests are counted before their responses go out; the flush completes most responses
        // of the batch, still inside it, so they are counted once for all after it. A listener may
        // write more meanwhile: flushed by the next turn.
        tally.publishRequests();
        long flushedBefore = encoder.lastActiveNanos;
        queue.flushBatch();
        open = false;
        long flushed = encoder.lastActiveNanos;
        // the flush's clock reading, taken after the batch's handler calls, ends their span
        BlockedLoopChecker.batchEnded(flushed != flushedBefore ? flushed : 0);
        tally.publish(decoder.takeBytesIn(), encoder.takeBytesOut(), encoder.lastActiveNanos);
        connection.writes().batchEnded();
        if (idleCheckPending) {
            idleCheckPending = false;
            connection.idleIfNothingOpen(null);
        }
    }

    /** A flush outside a batch: its bytes count at once (a batch's count at its end). */
    void flushed() {
        if (!open) {
            tally.bytes(0, encoder.takeBytesOut());
        }
    }

    /** {@code exchange} finished with {@code outcome}: counted; returns the status it is counted with (0: none sent). */
    int exchangeDone(Exchange exchange, Outcome outcome, long finishedAtNanos) {
        Response res = exchange.response();
        int status = res.headOpen() ? 0 : res.statusCode();
        tally.responded(status, open);
        if (exchange.target() != null) {
            tally.finished(exchange.target(), exchange.method(), outcome, status, exchange.startNanos(), finishedAtNanos, open);
        }
        return status;
    }

    /**
     * Something unanswered ended ({@code done}, or a body when null): whether the connection is
     * idle is seen once at the batch's end, or at once outside a batch.
     */
    void idleCheck(Exchange done) {
        if (open) {
            idleCheckPending = true;
        } else {
            // a response finished outside a read batch may end while it is still the oldest
            // unanswered exchange (its flush completes before write() moves on): it counts as gone
            connection.idleIfNothingOpen(done);
        }
    }

    /** The handler left the pipeline (an upgrade to HTTP/2, WebSocket or a raw protocol, or the close): no batch end comes here. */
    void removed() {
        if (open) {
            BlockedLoopChecker.batchEnded(0);
        }
        // the loop's tally would keep what this connection counted (and its handlers) until
        // another connection of the loop ends a batch: published now
        open = false;
        tally.publish(decoder.takeBytesIn(), encoder.takeBytesOut(), 0);
    }

    /** The connection closed: an open batch ends, what it counted is published. */
    void closed() {
        removed();
    }
}
