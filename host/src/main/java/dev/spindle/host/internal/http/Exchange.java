package dev.spindle.host.internal.http;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * One request and its response on a connection, and the glue between them and the event loop:
 * pieces of the response are written when this exchange is the connection's oldest unanswered one
 * (pipelined responses go out in request order) and held until then otherwise.
 */
final class Exchange implements io.netty.channel.ChannelFutureListener {

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

    /** A piece of the response waiting for its turn. */
    private static final class Piece {
        final HttpObject msg;
        final long bytes;
        final Consumer<? super HttpException> callback;
        final boolean last;

        Piece(HttpObject msg, long bytes, Consumer<? super HttpException> callback, boolean last) {
            this.msg = msg;
            this.bytes = bytes;
            this.callback = callback;
            this.last = last;
        }
    }

    final HttpConnection connection;
    final Request request;
    final Response response;
    final boolean expectContinue;
    /** The connection's number for this exchange's last write, once written. */
    long writeSeq;
    /** Whether the connection watches this request's body against the request timeout. */
    boolean bodyTimerArmed;
    private final EventLoop loop;
    private ArrayDeque<Piece> waiting;
    private boolean active;
    private boolean gone;
    private RouteTarget target;
    private Outcome failure;
    private ScheduledFuture<?> timeout;
    /** When the read that brought this request began: shared by the requests of one batch. */
    private final long startNanos;

    Exchange(HttpConnection connection, Request request, boolean keepAlive, boolean expectContinue,
            io.netty.util.AsciiString keepAliveValue) {
        this.connection = connection;
        this.loop = connection.eventLoop();
        this.request = request;
        this.expectContinue = expectContinue;
        this.startNanos = connection.batchStartNanos();
        this.response = new Response(this, request.isHttp11(), keepAlive, request.isHead(), expectContinue,
                request.acceptsChunked(), keepAliveValue);
    }

    ByteBufAllocator alloc() {
        return connection.alloc();
    }

    /** Whether the connection's write buffer is below its high-water mark (readable from any thread). */
    boolean connectionWritable() {
        return connection.writable();
    }

    /** The handler serving this exchange, already counted in by {@link RouteTarget#tryStart()}. */
    void target(RouteTarget target) {
        this.target = target;
    }

    /** Whether the exchange is over (answered, or its connection gone). */
    boolean gone() {
        return gone;
    }

    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return loop.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    RouteTarget target() {
        return target;
    }

    // ---------------------------------------------------------------- from the response (any thread)

    /** Runs {@code task} on the event loop: now if already there, else in order after earlier tasks. */
    void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /**
     * Writes {@code msg} at once if that is possible: on the event loop, this exchange's turn, not
     * over. Returns false (nothing done) otherwise; the caller then {@link #submit}s it.
     */
    boolean writeNow(HttpObject msg, Consumer<? super HttpException> callback, boolean last) {
        if (!active || gone || !loop.inEventLoop()) {
            return false;
        }
        connection.write(this, msg, 0, callback, last);
        return true;
    }

    void submit(HttpObject msg, long bytes, Consumer<? super HttpException> callback, boolean last) {
        if (loop.inEventLoop()) {
            deliver(new Piece(msg, bytes, callback, last));
        } else {
            Piece piece = new Piece(msg, bytes, callback, last);
            loop.execute(() -> deliver(piece));
        }
    }

    private void deliver(Piece piece) {
        if (gone) {
            ReferenceCountUtil.release(piece.msg);
            response.handedOff(piece.bytes, false);
            if (piece.callback != null) {
                invoke(piece.callback, destroyedError());
            }
        } else if (active) {
            connection.write(this, piece.msg, piece.bytes, piece.callback, piece.last);
        } else {
            if (waiting == null) {
                waiting = new ArrayDeque<>(4);
            }
            waiting.add(piece);
        }
    }

    /** Calls a write callback with success, later on the event loop, as Node's nextTick does. */
    void complete(Consumer<? super HttpException> callback) {
        if (callback != null) {
            loop.execute(() -> invoke(callback, null));
        }
    }

    /** Node's {@code onError}: the callback first, then the {@code 'error'} event, both later. */
    void reportError(HttpException error, Consumer<? super HttpException> callback, boolean emitEvent) {
        loop.execute(() -> {
            if (callback != null) {
                invoke(callback, error);
            }
            if (emitEvent) {
                response.fireError(error);
            } else {
                LOG.debug("{} on a destroyed response", error.code());
            }
        });
    }

    void setTimeout(long millis, Runnable onTimeout) {
        onLoop(() -> {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
            if (millis > 0 && !gone) {
                timeout = loop.schedule(() -> timedOut(onTimeout), millis, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void timedOut(Runnable onTimeout) {
        timeout = null;
        if (gone || response.writableFinished()) {
            return;
        }
        if (onTimeout != null) {
            invoke(onTimeout);
        } else {
            abort(Outcome.TIMED_OUT);
        }
    }

    /**
     * The host's response timeout: if the response has not finished in {@code millis}, a handler
     * that sent nothing gets a 503 answered for it, and one that started is cut off (the
     * connection closes); either way the outcome is {@link Outcome#TIMED_OUT}.
     */
    void deadline(long millis) {
        loop.schedule(() -> {
            if (gone || response.writableFinished()) {
                return;
            }
            failure = Outcome.TIMED_OUT;
            if (response.headOpen() && !response.writableEnded()) {
                response.serviceUnavailable();
            } else if (!response.writableEnded()) {
                connection.closeAfterFlush();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** The handler threw: whatever happens next, the outcome is {@link Outcome#HANDLER_FAILED}. */
    void markFailed() {
        onLoop(() -> failure = Outcome.HANDLER_FAILED);
    }

    /** How a response that finished writing ended: completed, unless the handler failed. */
    Outcome finishedOutcome() {
        return failure != null ? failure : Outcome.COMPLETED;
    }

    /** Gives up the exchange: what was written is flushed, then the connection is closed. */
    void abort(Outcome why) {
        onLoop(() -> {
            if (!gone) {
                failure = why;
                connection.closeAfterFlush();
            }
        });
    }

    // ---------------------------------------------------------------- from the connection (event loop)

    /** This exchange's turn to write: everything held back goes out now. */
    void activate() {
        active = true;
        if (waiting != null) {
            Piece p;
            while (!gone && (p = waiting.poll()) != null) {
                connection.write(this, p.msg, p.bytes, p.callback, p.last);
            }
        }
    }

    /** The connection is gone (or closing) before this exchange finished. */
    void destroy(Outcome why) {
        if (gone) {
            return;
        }
        gone = true;
        if (waiting != null) {
            Piece p;
            while ((p = waiting.poll()) != null) {
                ReferenceCountUtil.release(p.msg);
                if (p.callback != null) {
                    invoke(p.callback, destroyedError());
                }
            }
        }
        request.abort();
        response.fireDestroyed(failure != null ? failure : why);
    }

    /** Called once by the response when its outcome is known. */
    void done(Outcome outcome) {
        gone = true;
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        request.discard();
        int status = response.headOpen() ? 0 : response.statusCode();
        if (EngineStats.ENABLED) {
            connection.responded(status);
        }
        if (target != null) {
            connection.finished(target, outcome, status, startNanos);
        }
        connection.exchangeDone(this);
    }

    private static HttpException destroyedError() {
        return new HttpException(HttpException.ERR_STREAM_DESTROYED, "Cannot call write after a stream was destroyed");
    }

    /**
     * The write of the last piece completed ({@code done} null: known to have succeeded): the
     * response is finished, or the connection is gone.
     */
    @Override
    public void operationComplete(io.netty.channel.ChannelFuture done) {
        if (done == null || done.isSuccess()) {
            response.fireFinished();
        } else {
            destroy(connection.abortOutcome());
        }
    }

    // ---------------------------------------------------------------- user callbacks

    void invoke(Runnable listener) {
        try {
            listener.run();
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    <T> void invoke(Consumer<T> listener, T value) {
        try {
            listener.accept(value);
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    void invokeAll(List<Runnable> listeners) {
        if (listeners != null) {
            for (Runnable l : listeners) {
                invoke(l);
            }
        }
    }

    private void listenerFailed(Throwable t) {
        LOG.warn("A listener of {} {} (handler {}) threw", request.method(), request.url(),
                target == null ? "-" : target.serviceId(), t);
        if (target != null) {
            target.listenerFailed();
        }
    }
}
