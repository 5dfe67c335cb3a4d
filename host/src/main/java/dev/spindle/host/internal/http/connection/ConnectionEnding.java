package dev.spindle.host.internal.http.connection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelHandlerContext;

/**
 * Data path: inside {@link HttpConnection}, at the end of its life. Decides when the connection
 * stops reading, which response is its last, when it closes and what the exchanges it cuts off
 * report. The ends it knows: a refusal (of a request, or of the connection over
 * {@code maxConnections}), answered after the responses still owed; the server shutting down or
 * the listener being replaced, after which the connection answers what it owes and closes, its
 * last response saying {@code Connection: close}; the host ending what a handler serves (removed
 * past its drain, or the shutdown deadline); the idle and request timers running out; and
 * {@link WriteFlow}'s write timeout ({@link #closeNow}). Event loop only.
 */
final class ConnectionEnding {

    // the connection's log, as before this was split out of it
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);

    private final HttpConnection connection;
    private final ChannelHandlerContext ctx;
    /** Why the host closed this connection, if it did: what exchanges cut off by it report. */
    private Outcome closeReason;
    private boolean closing;
    /** The listener was replaced: the next request this connection receives is its last. */
    private boolean retiring;
    /** The server is shutting down: the connection closes once nothing is owed, its last response says so. */
    private boolean shuttingDown;

    /** Its other parts it takes from {@code connection} when it needs them: a field each would be on every connection. */
    ConnectionEnding(HttpConnection connection, ChannelHandlerContext ctx) {
        this.connection = connection;
        this.ctx = ctx;
    }

    /** Whether the connection reads no more requests: it closes once what it owes is written. */
    boolean closing() {
        return closing;
    }

    /** The server stops or the listener was replaced: the newest response when its head is fixed says it is the last. */
    boolean endingSoon() {
        // the server's flag as well as this connection's: a request that arrives after the listener
        // closed is told so even before this connection's shutdown() has run on its loop
        return shuttingDown || retiring || connection.dispatcher().stopping();
    }

    /** The head of the last response before the close is fixed: no request after it is read. */
    void lastBeforeClose() {
        closing = true;
        connection.updateReading();
    }

    /** How an exchange cut off by the end of this connection ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return closeReason != null ? closeReason : Outcome.CLIENT_ABORTED;
    }

    /** A request was let in: on a retiring connection it is the last, and its response says so. */
    void requestReceived(Exchange exchange) {
        if (retiring) {
            exchange.response().closeAfter();
            closing = true;
        }
    }

    /**
     * Nothing is unanswered nor arriving: a shutting-down connection closes (unless a head is
     * arriving, which is answered first), another waits {@code keepAliveTimeoutMillis} for its next
     * request.
     */
    void nothingOpen() {
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        if (shuttingDown) {
            if (!connection.decoder().holdsPartialHead()) {
                closeAfterFlush(); // else the request arriving is answered first
            }
        } else {
            connection.timers().idle(connection.settings().keepAliveTimeoutMillis());
        }
    }

    /**
     * The server is shutting down (its listener is closing): an idle keep-alive connection closes
     * now; a busy one (a request unanswered, a body or a head arriving) goes on reading and
     * answering until nothing is owed, its last response saying {@code Connection: close}. So does
     * a connection that has not sent its first request yet: it was just opened, and its request is
     * most likely on the way (it is cut at the shutdown deadline if none comes). A request parked
     * for a route being replaced is answered {@code 503} now: no replacement reaches a stopping
     * server. So is an upgrade parked so (see {@link HttpConnection#parkUpgrade}).
     */
    void shutdown() {
        if (!ctx.channel().isActive() || shuttingDown) {
            return;
        }
        shuttingDown = true;
        connection.queue().answerParked();
        Runnable upgrade = connection.parkedUpgrade();
        if (upgrade != null) {
            upgrade.run(); // refused: no replacement reaches a stopping server
            return;
        }
        if (connection.requests() > 0 && connection.queue().isEmpty() && !connection.body().arriving() && !closing
                && !connection.decoder().holdsPartialHead()) {
            ctx.close();
        }
    }

    /**
     * The listener this connection came from was replaced: the newest response owed says
     * {@code Connection: close} if its head is still open, and the next request is answered with it
     * and is the last; an idle connection stays open until then or its keep-alive timeout.
     */
    void retire() {
        retiring = true;
    }

    /**
     * The host ends what this connection serves for {@code target} (null: everything, at the
     * shutdown deadline) with {@code why}, as {@code Exchange.endFor} says; the connection closes
     * once what was written is flushed.
     */
    void end(RouteTarget target, Outcome why) {
        if (ctx.channel().isActive()
                && (connection.queue().endAll(target, why) | (target == null || connection.flushes().holds(target)))) {
            closeFor(why);
        }
    }

    /** Stops reading, lets everything written so far go out, then closes. */
    void closeAfterFlush() {
        closing = true;
        connection.updateReading();
        connection.flushes().flushAndClose(this::lingering);
    }

    /**
     * Everything written is in the socket and the connection lingers (see {@link LingeringClose}):
     * nothing of it reaches the client any more, so what it still serves ends now, as the close
     * would end it, instead of up to the linger's limit later (a response cut off by its handler's
     * removal would outlive the drain's expiry); its timers go.
     */
    private void lingering() {
        connection.timers().cancelAll();
        connection.queue().destroyAll(abortOutcome());
        connection.body().abort();
    }

    /** The host ends the connection for {@code why}: what was written goes out, then it closes. */
    void closeFor(Outcome why) {
        closeReason = why;
        closeAfterFlush();
    }

    /** The host ends the connection for {@code why} at once: what was not written is dropped. */
    void closeNow(Outcome why) {
        closeReason = why;
        ctx.close();
    }

    /**
     * A request that never reaches a handler: answered as Node answers a parse error (the status
     * and {@code Connection: close}), after the responses still owed on this connection, then the
     * connection is closed.
     */
    void refuse(int status, String why) {
        refuse(status, why, false);
    }

    /** As {@link #refuse(int, String)}; {@code counted}: the request was (its body is refused). */
    void refuse(int status, String why, boolean counted) {
        LOG.debug("Refused a request from {} with {}: {}", connection.remoteAddress(), status, why);
        if (counted) {
            connection.tally().bodyRefused(status, true);
        } else {
            connection.tally().refused(status);
        }
        closing = true;
        connection.updateReading();
        connection.timers().notIdle();
        connection.queue().owe(status);
    }

    /** A connection over {@code maxConnections}: answered 503 and closed, its requests unread. */
    void refuseConnection() {
        LOG.warn("More than {} connections: refusing {}", connection.settings().maxConnections(), connection.remoteAddress());
        closing = true; // a refused connection, not a refused request: not counted as one
        connection.tally().stats().connectionRefused();
        connection.updateReading();
        connection.queue().owe(503);
    }

    /** The channel is closed: nothing more is read or written. */
    void closed() {
        closing = true;
    }

    /** Nothing was unanswered for the idle time: close, with a 408 for a head that never completed. */
    void idleExpired() {
        if (!connection.queue().isEmpty() || connection.body().arriving() || closing) {
            return;
        }
        if (connection.decoder().holdsPartialHead()) {
            refuse(408, "request head not complete in time"); // as Node's headersTimeout does
        } else {
            LOG.debug("Closing idle connection from {}", connection.remoteAddress());
            ctx.close();
        }
    }

    /** A body still arriving when the request timeout runs out: 408 or a close (Node's {@code requestTimeout}). */
    void requestExpired() {
        if (ctx.channel().isActive() && connection.body().arriving()) {
            closeReason = Outcome.TIMED_OUT;
            connection.body().expired();
        }
    }
}
