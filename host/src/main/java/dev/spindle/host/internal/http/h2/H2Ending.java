package dev.spindle.host.internal.http.h2;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.connection.LingeringClose;
import dev.spindle.host.internal.http.connection.WaitingBytes;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * Data path: inside {@link H2Connection}, at the end of its life. The ends it knows: the server
 * shutting down or the listener being replaced (GOAWAY now, the open streams finish, then the
 * close), the host ending what a handler serves (removed past its drain, or the shutdown
 * deadline), the idle timer ({@code keepAliveTimeoutMillis} without an open stream: GOAWAY and
 * the close) and the connection's write timeout (a client that reads nothing for
 * {@code writeTimeoutMillis} is closed at once); and what the exchanges cut off by the close
 * report. Event loop only.
 */
final class H2Ending {

    // the connection's log, as before this was split out of it
    private static final Logger LOG = LoggerFactory.getLogger(H2Connection.class);

    private final H2Connection connection;
    private final ChannelHandlerContext ctx;
    private final EngineSettings settings;
    private ScheduledFuture<?> idleTimer;
    private ScheduledFuture<?> writeTimer;
    /** Why the host closed this connection, if it did: what exchanges cut off by it report. */
    private Outcome closeReason;
    private boolean shuttingDown;
    /** Bytes a flush left waiting under the high-water mark (see {@link WaitingBytes}); null until first needed. */
    private WaitingBytes waiting;

    H2Ending(H2Connection connection, ChannelHandlerContext ctx, EngineSettings settings) {
        this.connection = connection;
        this.ctx = ctx;
        this.settings = settings;
    }

    /** How an exchange cut off by the end of its stream ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return closeReason != null ? closeReason : Outcome.CLIENT_ABORTED;
    }

    /**
     * The server is shutting down: GOAWAY goes out now (no new stream is accepted), the connection
     * closes once its open streams are answered.
     */
    void shutdown() {
        if (shuttingDown || !ctx.channel().isActive()) {
            return;
        }
        shuttingDown = true;
        goAway();
    }

    /**
     * The host ends what this connection serves for {@code target} (null: everything, at the
     * shutdown deadline) with {@code why}: an unanswered stream gets 503, one under way is reset.
     * As on HTTP/1.1, a response already ended is left to flush: its DATA may wait for the
     * client's window, bounded by the write timeout (at shutdown by the engine's cut grace, then
     * the connection is closed).
     */
    void end(RouteTarget target, Outcome why) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (target == null) {
            closeReason = why;
        }
        List<H2Stream> open = new ArrayList<>(connection.openStreams());
        try {
            connection.connection().forEachActiveStream(stream -> {
                H2Stream s = connection.streamOf(stream);
                if (s != null) {
                    open.add(s);
                }
                return true;
            });
        } catch (Http2Exception e) {
            throw new IllegalStateException(e); // the visitor throws none
        }
        for (H2Stream s : open) {
            s.end(target, why);
        }
        if (target == null) {
            shuttingDown = true;
            goAway();
        }
    }

    /** The last open stream closed. */
    void nothingOpen() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (shuttingDown) {
            LingeringClose.afterFlush(ctx);
        } else {
            idle();
        }
    }

    /** Sends GOAWAY (NO_ERROR, the last stream this server started to serve) once; the connection stays open. */
    private void goAway() {
        if (!connection.connection().goAwaySent()) {
            connection.goAway(ctx, connection.connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
                    Unpooled.EMPTY_BUFFER, ctx.newPromise());
            connection.flush(ctx);
        }
        if (connection.openStreams() == 0) {
            LingeringClose.afterFlush(ctx);
        }
    }

    /** The connection has no open stream: closed after {@code keepAliveTimeoutMillis} unless one opens. */
    void idle() {
        notIdle();
        long millis = settings.keepAliveTimeoutMillis();
        if (millis > 0) {
            idleTimer = ctx.executor().schedule(() -> {
                idleTimer = null;
                if (connection.openStreams() == 0 && ctx.channel().isActive()) {
                    LOG.debug("Closing idle HTTP/2 connection from {}", connection.remoteAddress());
                    shuttingDown = true;
                    goAway();
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    void notIdle() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /**
     * The socket's write buffer crossed a water mark: a client that reads nothing for the write
     * timeout is closed. Back under the low-water mark with bytes still waiting, the timer goes on
     * for those (see {@link #pendingAfterFlush}).
     */
    void writabilityChanged() {
        if (ctx.channel().isWritable()) {
            cancelWriteTimer();
            if ((waiting != null || WaitingBytes.in(ctx.channel())) && settings.writeTimeoutMillis() > 0
                    && waiting().rewatch()) {
                armWriteTimer();
            }
        } else {
            armWriteTimer();
        }
    }

    /**
     * A flush left bytes the socket did not take: the write timer runs until they reach it (see
     * {@link WaitingBytes}); a client that stops reading with only a stream's last DATA waiting
     * would otherwise keep that stream, and the connection, open for ever.
     */
    void pendingAfterFlush() {
        if (settings.writeTimeoutMillis() > 0 && waiting().watch()) {
            armWriteTimer();
        }
    }

    private WaitingBytes waiting() {
        if (waiting == null) {
            waiting = new WaitingBytes(ctx, this::cancelWriteTimer);
        }
        return waiting;
    }

    private void armWriteTimer() {
        if (settings.writeTimeoutMillis() > 0 && writeTimer == null) {
            writeTimer = ctx.executor().schedule(() -> {
                writeTimer = null;
                if ((!ctx.channel().isWritable() || (waiting != null && waiting.watched())) && ctx.channel().isActive()) {
                    LOG.debug("{} read nothing for {} ms: closing", connection.remoteAddress(), settings.writeTimeoutMillis());
                    closeReason = Outcome.TIMED_OUT;
                    ctx.close(); // at once: not through Netty's graceful close, which would wait for the streams
                }
            }, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void cancelWriteTimer() {
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    /** The connection closed. */
    void closed() {
        notIdle();
        cancelWriteTimer();
    }
}
