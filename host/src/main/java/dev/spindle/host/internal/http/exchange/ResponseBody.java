package dev.spindle.host.internal.http.exchange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Data path: the body half of a {@link Response} (its second layer, above {@link ResponseHead}),
 * between the handler's {@code write}/{@code end} and its protocol's {@link ResponseSink}. Node's {@code write_} and {@code end} rules (the implicit
 * head, no body for HEAD/204/304, errors after end or destroy, reported later as Node's
 * {@code nextTick} does) and its backpressure: {@code write} returns whether the sink takes more,
 * and {@code 'drain'} follows a {@code false} once it does. Event loop only, but for the copies
 * the caller's thread makes of its data.
 */
abstract class ResponseBody extends ResponseHead {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseBody.class);
    private static final VarHandle ENDED = Fields.handle(MethodHandles.lookup(), "ended", boolean.class);

    /** Published with a release store for readers elsewhere. */
    private volatile boolean ended;
    private boolean headSent;
    private boolean destroyed;
    private boolean needDrain;
    private HttpHeaders trailers;
    /**
     * Bytes written after {@code write} returned false and before {@code 'drain'}: written on the
     * event loop, read by a worker that may have to wait ({@link #awaitBelowBound}).
     */
    private volatile long beyondMark;
    /** Workers waiting in {@link #awaitBelowBound}; read before waking them. */
    private volatile int waiters;
    /** Body bytes handed to the protocol (the access log's size); event loop only. */
    private long bodyBytes;

    ResponseBody(ResponseSink sink, HeadDraft draft, ResponseEvents events, boolean expectContinue) {
        super(sink, draft, events, expectContinue);
    }

    final boolean ended() {
        return ended;
    }

    /** Body bytes handed to the protocol so far, without the head and the framing. */
    public final long bodyBytes() {
        return bodyBytes;
    }

    @Override
    final void trailers(HttpHeaders t) {
        trailers = t;
    }

    final void markDestroyed() {
        destroyed = true;
        belowBound();
    }

    /**
     * The write from a worker that finds more than {@code bound} bytes written past the high-water
     * mark waits here until the client reads ({@code 'drain'}) or the response is destroyed (the
     * connection's write timeout closes a client that reads nothing), so that a handler ignoring
     * {@code false} holds neither unbounded memory nor its worker for ever. Never on an event loop.
     */
    final void awaitBelowBound(long bound) {
        if (beyondMark <= bound) {
            return;
        }
        synchronized (this) {
            waiters++;
            try {
                while (beyondMark > bound && !sink.loop().isShutdown()) {
                    wait(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiters--;
            }
        }
    }

    private void belowBound() {
        beyondMark = 0;
        if (waiters > 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    // ---------------------------------------------------------------- copies (caller's thread)

    final ByteBuf encode(String chunk, String encoding) {
        return chunk == null ? null : Encodings.encode(sink.alloc(), chunk, encoding);
    }

    final ByteBuf encode(String chunk, Charset charset) {
        return chunk == null ? null : Encodings.charset(sink.alloc(), chunk, charset);
    }

    /** A copy the caller may not touch, in a buffer laid out for the protocol. */
    final ByteBuf copy(byte[] chunk) {
        return chunk == null ? null : sink.bodyBuffer(chunk.length).writeBytes(chunk);
    }

    final ByteBuf copy(ByteBuffer chunk) {
        return chunk == null ? null : sink.bodyBuffer(chunk.remaining()).writeBytes(chunk.duplicate());
    }

    /** What {@code write} returns to a caller on another event loop, which does not wait for it. */
    final Boolean queuedResult() {
        return !ended && sink.connectionWritable();
    }

    // ---------------------------------------------------------------- Node's write_ and end (event loop)

    /** Node's {@code write_}. Takes ownership of {@code data}. */
    final boolean writeData(ByteBuf data, Consumer<? super HttpException> callback, boolean fromEnd) {
        if (data == null) {
            throw new HttpException(HttpException.ERR_STREAM_NULL_VALUES, "May not write null values to stream");
        }
        if (ended || destroyed) {
            data.release();
            HttpException error = ended
                    ? new HttpException(HttpException.ERR_STREAM_WRITE_AFTER_END, "write after end")
                    : new HttpException(HttpException.ERR_STREAM_DESTROYED, "Cannot call write after a stream was destroyed");
            reportError(error, callback, !destroyed);
            return false;
        }
        int length = data.readableBytes();
        headBefore(data, fromEnd);
        if (!draft.hasBody) {
            data.release();
            complete(callback);
            return true;
        }
        if (length == 0) {
            data.release();
            if (headSent) {
                complete(callback);
                return !needDrain && sink.writable();
            }
            return sendPart(null, false, callback);
        }
        return sendPart(data, false, callback);
    }

    /** Node's {@code end()}. Takes ownership of {@code data}. */
    final void endData(ByteBuf data) {
        if (data != null && (ended || destroyed)) {
            writeData(data, null, true);
            return;
        }
        if (ended) {
            return;
        }
        if (destroyed) {
            ENDED.setRelease(this, true);
            return;
        }
        if (data != null) {
            headBefore(data, true);
            if (!draft.hasBody) {
                data.release();
                data = null;
            }
        } else if (head() == null) {
            draft.contentLength = 0;
            implicitHead();
        }
        ENDED.setRelease(this, true);
        sendPart(data, true, null);
    }

    /**
     * Node's {@code end(string)} in utf8. The common case, a short string that is the whole body of
     * a response whose head is still open, goes to the sink as text, which writes its bytes where
     * they go (HTTP/1.1: after the head in its batch buffer) instead of through a buffer of their
     * own; anything else is {@link #endData} of its bytes.
     */
    final void endText(String text) {
        if (ended || destroyed || head() != null || text.length() > ResponseSink.TEXT_LIMIT) {
            endData(encode(text, (String) null));
            return;
        }
        int bytes = ByteBufUtil.utf8Bytes(text);
        if (bytes > ResponseSink.TEXT_LIMIT) {
            endData(encode(text, (String) null));
            return;
        }
        draft.contentLength = bytes;
        implicitHead();
        ENDED.setRelease(this, true);
        if (headSent || !draft.hasBody) {
            // the head went out at once (an expectation), or this response has no body (HEAD, 204, 304)
            sendPart(draft.hasBody ? encode(text, (String) null) : null, true, null);
            return;
        }
        headSent = true;
        bodyBytes += bytes;
        sink.sendText(text, bytes, trailers != null && head().sendsTrailers() ? trailers : null);
    }

    /**
     * Fixes the head as the handler left it, if it is not fixed yet, before {@code data} goes out
     * ({@code whole}: it is the whole body, so its length goes in the head). {@code data} is
     * released if the head cannot be fixed.
     */
    private void headBefore(ByteBuf data, boolean whole) {
        if (head() != null) {
            return;
        }
        if (whole) {
            draft.contentLength = data.readableBytes();
        }
        try {
            implicitHead();
        } catch (RuntimeException e) {
            data.release();
            throw e;
        }
    }

    /** The head alone, if it has not gone out yet ({@code flushHeaders}, a head with {@code Expect}). */
    final void sendHead() {
        if (!headSent) {
            sendPart(null, false, null);
        }
    }

    /** Hands the next part to the sink; returns Node's {@code write()} result. */
    private boolean sendPart(ByteBuf data, boolean last, Consumer<? super HttpException> callback) {
        headSent = true;
        HttpHeaders trailing = last && trailers != null && head().sendsTrailers() ? trailers : null;
        if (data != null) {
            int length = data.readableBytes();
            bodyBytes += length;
            if (needDrain) {
                beyondMark += length;
            }
        }
        sink.send(data, last, trailing, callback);
        boolean below = sink.writable();
        if (!below && !last) {
            needDrain = true;
        }
        return below;
    }

    /** The protocol can take more: {@code 'drain'} if a write asked to wait. */
    public final void writable() {
        if (needDrain && !ended && sink.writable()) {
            needDrain = false;
            belowBound();
            events.fireDrain();
        }
    }

    /** Calls a write callback with success, later on the event loop, as Node's nextTick does. */
    private void complete(Consumer<? super HttpException> callback) {
        if (callback != null) {
            Hops.afterwards(sink.loop(), () -> events.invoke(callback, null));
        }
    }

    /** Node's {@code onError}: the callback first, then the {@code 'error'} event, both later. */
    private void reportError(HttpException error, Consumer<? super HttpException> callback, boolean emitEvent) {
        Hops.afterwards(sink.loop(), () -> {
            if (callback != null) {
                events.invoke(callback, error);
            }
            if (emitEvent) {
                events.fireError(error);
            } else {
                LOG.debug("{} on a destroyed response", error.code());
            }
        });
    }

    /**
     * A write from another thread after the event loops shut down: nothing can go out any more.
     * The copy is released and the callback hears {@code ERR_STREAM_DESTROYED} on the caller's
     * thread.
     */
    static boolean refused(ByteBuf data, Consumer<? super HttpException> callback, HttpException why) {
        if (data != null) {
            data.release();
        }
        if (callback != null) {
            try {
                callback.accept(why);
            } catch (RuntimeException e) {
                LOG.warn("A write callback threw", e);
            }
        }
        return false;
    }
}
