package dev.spindle.host.internal.http.connection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import io.netty.channel.ChannelHandlerContext;

/**
 * Data path: inside {@link HttpConnection}, on the write side, between the responses written and
 * the socket's write buffer (its high-water mark is Node's). Follows whether the client takes its
 * responses: the response being written hears when the buffer has room again (Node's
 * {@code 'drain'}); a client that sends more requests while its earlier responses wait in a full
 * buffer is not read until it takes them; a client that takes nothing for
 * {@code writeTimeoutMillis} is closed. So is one that stops reading while only a few KiB wait
 * for the socket, under the buffer's high-water mark (a response's tail, the socket's own buffers
 * full): a marker written after them must reach the socket within the write timeout. A change
 * during a read batch is settled at the batch's end, after its flush. Event loop only.
 */
final class WriteFlow {

    // the connection's log, as before this was split out of it
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);

    private final HttpConnection connection;
    private final ChannelHandlerContext ctx;
    /** The write buffer filled or emptied during the read batch: see at its end where it stands. */
    private boolean pending;
    private boolean fullAtBatchStart;
    /** The client sent more while its responses waited in a full write buffer: not reading until it catches up. */
    private boolean clientBehind;
    /** Bytes a flush left waiting under the high-water mark (see {@link WaitingBytes}); null until first needed. */
    private WaitingBytes waiting;

    /** Its other parts it takes from {@code connection} when it needs them: a field each would be on every connection. */
    WriteFlow(HttpConnection connection, ChannelHandlerContext ctx) {
        this.connection = connection;
        this.ctx = ctx;
    }

    /** Whether the client is behind with its responses, so that no more of its requests are read. */
    boolean clientBehind() {
        return clientBehind;
    }

    /** A read batch begins. */
    void batchStarted() {
        fullAtBatchStart = !ctx.channel().isWritable();
    }

    /** The write buffer crossed a water mark. */
    void writabilityChanged(boolean inRead) {
        boolean writable = ctx.channel().isWritable();
        Http1Stream active = connection.queue().oldest();
        if (active != null && writable) {
            active.exchange().response().writable();
        }
        if (inRead) {
            pending = true; // settled at the end of the batch, after its flush
        } else {
            settled(writable);
        }
    }

    /** A read batch ended and was flushed. */
    void batchEnded() {
        boolean writable = ctx.channel().isWritable();
        if (pending) {
            pending = false;
            settled(writable);
        }
        if (fullAtBatchStart && !writable && !clientBehind) {
            // more requests while earlier responses still wait in a full buffer: stop reading
            // until the client takes them (a client that reads its responses in time never
            // gets here, and reading is not switched off and on for every large response)
            clientBehind = true;
            connection.updateReading();
        }
    }

    /** A flush left bytes the socket did not take: the write timer runs until they reach it (see {@link WaitingBytes}). */
    void pendingAfterFlush() {
        long millis = connection.settings().writeTimeoutMillis();
        if (millis > 0 && waiting().watch()) {
            connection.timers().writeBlocked(millis);
        }
    }

    private WaitingBytes waiting() {
        if (waiting == null) {
            waiting = new WaitingBytes(ctx, connection.timers()::writeFlowing);
        }
        return waiting;
    }

    /** A client that does not read its responses gets writeTimeoutMillis to start before it is closed. */
    private void settled(boolean writable) {
        if (writable) {
            connection.timers().writeFlowing();
            long millis = connection.settings().writeTimeoutMillis();
            if (millis > 0 && (waiting != null || WaitingBytes.in(ctx.channel())) && waiting().rewatch()) {
                connection.timers().writeBlocked(millis); // under the low-water mark, but still waiting
            }
            if (clientBehind) {
                clientBehind = false;
                connection.updateReading();
            }
        } else if (connection.settings().writeTimeoutMillis() > 0) {
            connection.timers().writeBlocked(connection.settings().writeTimeoutMillis());
        }
    }

    /** The client read nothing for the write timeout (or left what waited under the high-water mark). */
    void writeExpired() {
        if (ctx.channel().isActive() && (!ctx.channel().isWritable() || (waiting != null && waiting.watched()))) {
            LOG.debug("{} read nothing for {} ms: closing", connection.remoteAddress(),
                    connection.settings().writeTimeoutMillis());
            connection.ending().closeNow(Outcome.TIMED_OUT);
        }
    }
}
