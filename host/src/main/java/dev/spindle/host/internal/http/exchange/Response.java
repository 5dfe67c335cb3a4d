package dev.spindle.host.internal.http.exchange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.function.Consumer;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.api.ServerResponse;
import io.netty.buffer.ByteBuf;

/**
 * Data path: what a handler holds to answer; beneath it the {@link ResponseSink} of its protocol.
 * Node's {@code ServerResponse} semantics and nothing of any framing: the head as a
 * {@link HeadDraft} until it is fixed, the write/end rules of {@code OutgoingMessage}, Node's
 * high-water mark and {@code 'drain'}, and the events of {@link ResponseEvents}.
 *
 * <p>One thread owns the state: the exchange's event loop. Every call from another thread hops
 * there first: a plain thread (a worker) waits for the call, so results and exceptions are
 * Node's; another event loop (a handler of one connection writing to another's response) does
 * not wait for calls without a result, since two loops waiting on each other would deadlock:
 * those run in call order and report misuse through {@code 'error'}.
 */
public final class Response extends ResponseBody {

    /**
     * Node's {@code HIGH_WATER_MARK} for an outgoing message: 16 KiB buffered. Bytes held for a
     * pipelined response count here; bytes handed to the connection count against its write
     * buffer, whose high-water mark is the same.
     */
    public static final int HIGH_WATER_MARK = 16 * 1024;

    /**
     * How far past the high-water mark a handler on a worker may write while {@code write} returns
     * false: its next write then waits until the client reads or the connection closes.
     */
    public static final long MAX_BEYOND_MARK = 64L * HIGH_WATER_MARK;

    private static final VarHandle FINISHED = Fields.handle(MethodHandles.lookup(), "finished", boolean.class);

    private final Exchange exchange;
    /** Published with a release store for readers elsewhere. */
    private volatile boolean finished;

    Response(Exchange exchange, ResponseSink sink, HeadDraft draft, ResponseEvents events, boolean expectContinue) {
        super(sink, draft, events, expectContinue);
        this.exchange = exchange;
    }

    @Override
    void headFixed(boolean sendNow) {
        if (sendNow) {
            sendHead();
        }
    }

    @Override
    public void flushHeaders() {
        if (away()) {
            hopVoid(() -> flushHeaders());
            return;
        }
        if (head() == null) {
            implicitHead();
        }
        sendHead();
    }

    // ---------------------------------------------------------------- body

    @Override
    public boolean write(String chunk) {
        return write(chunk, (String) null, null);
    }

    @Override
    public boolean write(String chunk, String encoding) {
        return write(chunk, encoding, null);
    }

    @Override
    public boolean write(String chunk, Charset charset) {
        return write(encode(chunk, charset), null);
    }

    @Override
    public boolean write(byte[] chunk) {
        return write(chunk, null);
    }

    @Override
    public boolean write(ByteBuffer chunk) {
        return write(copy(chunk), null);
    }

    @Override
    public boolean write(byte[] chunk, Consumer<? super HttpException> callback) {
        return write(copy(chunk), callback);
    }

    @Override
    public boolean write(String chunk, String encoding, Consumer<? super HttpException> callback) {
        return write(encode(chunk, encoding), callback);
    }

    /** Node's {@code write()}: {@code data} is a copy the response owns (made on the caller's thread). */
    private boolean write(ByteBuf data, Consumer<? super HttpException> callback) {
        if (!away()) {
            return writeData(data, callback, false);
        }
        boolean below;
        try {
            below = hop(() -> writeData(data, callback, false), queuedResult());
        } catch (Hops.LoopGone e) {
            return ResponseBody.refused(data, callback, e);
        }
        if (!below && Hops.mayWait(loop)) {
            awaitBelowBound(MAX_BEYOND_MARK);
        }
        return below;
    }

    @Override
    public void end() {
        end((ByteBuf) null);
    }

    @Override
    public void end(String data) {
        end(data, (String) null);
    }

    @Override
    public void end(String data, String encoding) {
        if (encoding == null && data != null && !data.isEmpty() && !away()) {
            endText(data);
            return;
        }
        end(data == null || data.isEmpty() ? null : encode(data, encoding));
    }

    @Override
    public void end(String data, Charset charset) {
        end(data == null || data.isEmpty() ? null : encode(data, charset));
    }

    @Override
    public void end(byte[] data) {
        end(copy(data));
    }

    @Override
    public void end(ByteBuffer data) {
        end(copy(data));
    }

    private void end(ByteBuf data) {
        if (!away()) {
            endData(data);
            return;
        }
        try {
            hopVoid(() -> endData(data));
        } catch (Hops.LoopGone e) {
            ResponseBody.refused(data, null, e);
        }
    }

    @Override
    public boolean writableEnded() {
        return ended();
    }

    @Override
    public boolean writableFinished() {
        return finished;
    }

    @Override
    public ServerResponse setTimeout(long millis, Runnable onTimeout) {
        exchange.setTimeout(millis, onTimeout);
        return this;
    }

    // ---------------------------------------------------------------- events (registered on the loop, in call order)

    @Override
    public ServerResponse onFinish(Runnable listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(loop, () -> events.onFinish(listener));
        return this;
    }

    @Override
    public ServerResponse onClose(Runnable listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(loop, () -> events.onClose(listener));
        return this;
    }

    @Override
    public ServerResponse onDrain(Runnable listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(loop, () -> events.onDrain(listener));
        return this;
    }

    @Override
    public ServerResponse onError(Consumer<? super HttpException> listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(loop, () -> events.onError(listener));
        return this;
    }

    @Override
    public ServerResponse onDone(Consumer<? super Outcome> listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(loop, () -> events.onDone(listener));
        return this;
    }

    // ---------------------------------------------------------------- the host's side (event loop)

    /** The exchange's events, for callbacks the protocol runs (write callbacks of dropped parts). */
    public ResponseEvents events() {
        return events;
    }

    /** Whether a handler may still shape the head: nothing has been fixed yet. */
    public boolean headOpen() {
        return head() == null;
    }

    /** The connection closes after this response; the head says so if it is not fixed yet. */
    public void closeAfter() {
        draft.closeAfter = true;
    }


    /** Everything of the response is in the socket: Node's {@code 'finish'}, then the outcome. */
    void finished(Outcome outcome) {
        FINISHED.setRelease(this, true);
        events.fireFinish();
        exchange.ended(outcome);
    }

    /** The connection is gone, or the exchange was given up, before the response finished. */
    void destroyed(Outcome why) {
        if (events.outcome() != null) {
            return;
        }
        markDestroyed();
        if (!finished) {
            events.fireClose();
        }
        exchange.ended(why);
    }

    /**
     * Replaces whatever the handler shaped with a plain-text answer of the host's own (the head
     * must still be open): see {@link HostAnswers}.
     */
    void replaceWith(int status, String text, boolean close) {
        if (away()) {
            hopVoid(() -> replaceWith(status, text, close));
            return;
        }
        checkHeadOpen("replace");
        draft.reset(status);
        trailers(null);
        draft.closeAfter |= close;
        setHeader("Content-Type", "text/plain");
        setHeader("Content-Length", text.length());
        end(text);
    }
}
