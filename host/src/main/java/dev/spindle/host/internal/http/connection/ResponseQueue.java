package dev.spindle.host.internal.http.connection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.function.Consumer;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.Http1Head;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;

/**
 * Data path: inside {@link HttpConnection}, between the exchanges' {@link Http1Stream}s and the
 * channel. The pipelining queue: exchanges in request order, the oldest one writes and the others
 * hold their parts until their turn; a refusal owed after them goes out when the queue is empty,
 * then the connection closes. Writes during a read batch are flushed once at its end, the others
 * at once ({@link FlushTracker} finishes what each flush completes). Event loop only.
 */
final class ResponseQueue {

    private final HttpConnection connection;
    private final ChannelHandlerContext ctx;
    private final FlushTracker flushes;
    /** Exchanges whose responses are not all written yet, oldest first. */
    private final ArrayDeque<Http1Stream> unanswered = new ArrayDeque<>(4);
    /** A refusal to answer once the responses still owed are written; 0 for none. */
    private int refusal;
    private boolean flushPending;

    ResponseQueue(HttpConnection connection, ChannelHandlerContext ctx, FlushTracker flushes) {
        this.connection = connection;
        this.ctx = ctx;
        this.flushes = flushes;
    }

    /** A new exchange at the end of the queue; the first one may write at once. */
    void add(Http1Stream stream) {
        unanswered.add(stream);
        if (unanswered.size() == 1) {
            stream.activate();
        }
    }

    int size() {
        return unanswered.size();
    }

    boolean isEmpty() {
        return unanswered.isEmpty();
    }

    /** Whether nothing but {@code stream}'s exchange (null: nothing) is unanswered. */
    boolean onlyLeft(Http1Stream stream) {
        return unanswered.isEmpty() || unanswered.size() == 1 && unanswered.peek() == stream;
    }

    Http1Stream oldest() {
        return unanswered.peek();
    }

    /** Takes {@code stream} out without an answer: its request is refused or given up. */
    void remove(Http1Stream stream) {
        unanswered.remove(stream);
    }

    /**
     * Writes one part of {@code stream}'s response; {@code stream} is the oldest. Only parts with a
     * callback get a promise; the rest go with the void promise (a failure closes the connection).
     */
    void write(Http1Stream stream, HttpObject msg, Consumer<? super HttpException> callback, boolean last) {
        connection.setState("writing");
        if (callback != null) {
            ctx.write(msg).addListener((ChannelFutureListener) done -> {
                stream.exchange().response().events().invoke(callback, done.isSuccess() ? null
                        : new HttpException(HttpException.ERR_STREAM_DESTROYED, "the connection closed"));
                if (last) {
                    if (done.isSuccess()) {
                        stream.exchange().finished();
                    } else {
                        stream.destroy(connection.abortOutcome());
                    }
                }
            });
        } else {
            ctx.write(msg, ctx.voidPromise());
            if (last) {
                flushes.lastWritten(stream);
            }
        }
        if (connection.inRead()) {
            flushPending = true;
        } else {
            connection.flush();
        }
        if (last) {
            answered(stream);
        }
    }

    /** The end of a read batch: one flush for what the batch wrote (and what its listeners wrote). */
    void flushBatch() {
        while (flushPending) {
            flushPending = false;
            connection.flush();
        }
    }

    /** The last part of the oldest exchange is written: the next one may write, or the connection ends. */
    private void answered(Http1Stream stream) {
        if (unanswered.peekFirst() == stream) {
            unanswered.pollFirst();
        } else {
            unanswered.remove(stream);
        }
        if (stream.closesAfter()) {
            connection.closeAfterFlush();
        } else if (connection.closing() && unanswered.isEmpty()) {
            if (refusal != 0) {
                writeRefusal();
            } else {
                connection.closeAfterFlush();
            }
        } else {
            Http1Stream next = unanswered.peek();
            connection.setState(next == null ? "idle" : "in handler");
            if (next != null) {
                next.activate();
            }
            if (!connection.reading()) {
                connection.updateReading();
            }
        }
    }

    /** Answers {@code status} after the responses still owed, then closes (the connection is closing). */
    void owe(int status) {
        refusal = status;
        if (unanswered.isEmpty()) {
            writeRefusal();
        }
    }

    private void writeRefusal() {
        int status = refusal;
        refusal = 0;
        ctx.write(Http1Head.refusal(status));
        connection.closeAfterFlush();
    }

    /** Shutdown: a request parked for a route being replaced is answered {@code 503} now. */
    void answerParked() {
        for (Http1Stream s : new ArrayList<>(unanswered)) {
            s.exchange().endWait();
        }
    }

    /** Whether {@code stream} is the newest exchange. */
    boolean isLast(Http1Stream stream) {
        return unanswered.peekLast() == stream;
    }

    /**
     * Ends the exchanges served by {@code target} (null: every exchange) with {@code why}, see
     * {@code Exchange.endFor}; returns whether there was one.
     */
    boolean endAll(RouteTarget target, Outcome why) {
        boolean any = false;
        for (Http1Stream s : new ArrayList<>(unanswered)) {
            if (target == null || s.exchange().target() == target) {
                any = true;
                s.exchange().endFor(why);
            }
        }
        return any;
    }

    /** The connection is gone: every exchange not finished ends with {@code why}. */
    void destroyAll(Outcome why) {
        flushes.destroyAll(why);
        Http1Stream s;
        while ((s = unanswered.poll()) != null) {
            s.destroy(why);
        }
        refusal = 0;
    }
}
