package dev.spindle.host.internal.http.h2;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.FixedHead;
import dev.spindle.host.internal.http.exchange.HeadDraft;
import dev.spindle.host.internal.http.exchange.HostAnswers;
import dev.spindle.host.internal.http.exchange.ResponseSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;

/**
 * Data path: beneath the response of one {@link H2Stream}'s exchange, above the connection's
 * HTTP/2 encoder (no channel per stream). The response's parts are written as HEADERS, DATA with
 * END_STREAM and trailing HEADERS, with the void promise but for the frame that ends the stream
 * (its completion finishes the exchange) or one a write callback waits for, and go out with the
 * connection's flush (the read batch's, or at once outside one). Writability is the remote flow
 * controller's for the stream (its window, the connection's, the socket's write buffer):
 * {@code write()} returns false when it is exhausted, {@code 'drain'} follows when it reopens, and
 * a stream left unwritable for {@code writeTimeoutMillis} is reset. Event loop only.
 */
final class H2Sink implements ResponseSink {

    private final H2Connection connection;
    private final Http2Stream stream;
    private final EngineSettings settings;
    private Exchange exchange;
    private H2Head head;
    private boolean headSent;
    private boolean endSent;
    private boolean closed;
    private ScheduledFuture<?> writeTimer;

    H2Sink(H2Connection connection, Http2Stream stream, EngineSettings settings) {
        this.connection = connection;
        this.stream = stream;
        this.settings = settings;
    }

    void bind(Exchange exchange) {
        this.exchange = exchange;
    }

    /** Whether the frame that ends the stream was written. */
    boolean endSent() {
        return endSent;
    }

    /** Netty closed the stream: nothing more is written. */
    void closed() {
        closed = true;
        cancelWriteTimer();
    }

    @Override
    public EventLoop loop() {
        return connection.loop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return connection.alloc();
    }

    @Override
    public ByteBuf bodyBuffer(int length) {
        return connection.alloc().buffer(length);
    }

    @Override
    public FixedHead fixHead(HeadDraft draft) {
        try {
            head = H2Head.build(draft);
        } catch (HttpException e) {
            // Node leaves such a stream open for ever when the handler catches the error: unless
            // the handler answers otherwise at once, the host answers 500
            loop().execute(() -> {
                if (!exchange.gone() && exchange.response().headOpen()) {
                    HostAnswers.internalError(exchange.response());
                }
            });
            throw e;
        }
        return head;
    }

    /** Whether frames may still be written: the stream and its connection are open. */
    boolean open() {
        return !closed && connection.active();
    }

    @Override
    public void sendContinue() {
        if (!endSent && open()) {
            connection.encoder().writeHeaders(connection.ctx(), stream.id(), H2Head.status(100), 0, false,
                    connection.ctx().voidPromise());
            connection.written(0);
        }
    }

    @Override
    public void send(ByteBuf data, boolean last, HttpHeaders trailers, Consumer<? super HttpException> callback) {
        if (!open() || exchange.gone()) {
            ReferenceCountUtil.release(data);
            if (callback != null) {
                exchange.response().events().invoke(callback, destroyedError());
            }
            return;
        }
        ChannelHandlerContext ctx = connection.ctx();
        Http2ConnectionEncoder encoder = connection.encoder();
        int id = stream.id();
        boolean wrote = false;
        boolean end = false;
        int bytes = 0;
        if (!headSent) {
            headSent = true;
            end = !head.hasBody || last && (data == null || !data.isReadable()) && trailers == null;
            boolean only = end || data == null && !last;
            encoder.writeHeaders(ctx, id, head.headers, 0, end, promise(ctx, end, only ? callback : null));
            wrote = true;
            if (end) {
                ReferenceCountUtil.release(data);
                data = null;
                trailers = null;
            }
        }
        if (endSent || end) {
            ReferenceCountUtil.release(data);
        } else {
            if (data != null || last && trailers == null) {
                end = last && trailers == null;
                bytes = data == null ? 0 : data.readableBytes();
                encoder.writeData(ctx, id, data == null ? Unpooled.EMPTY_BUFFER : data, 0, end,
                        promise(ctx, end, trailers == null || !last ? callback : null));
                wrote = true;
            }
            if (last && trailers != null) {
                end = true;
                encoder.writeHeaders(ctx, id, H2Fields.trailersOut(trailers), 0, true, promise(ctx, true, callback));
                wrote = true;
            }
        }
        if (!wrote) {
            if (callback != null) {
                loop().execute(() -> exchange.response().events().invoke(callback, null));
            }
            if (last && endSent) {
                exchange.finished();
            }
            return;
        }
        endSent |= end;
        connection.written(bytes);
        if (!end && !writable()) {
            startWriteTimer();
        }
    }

    /**
     * The promise of a frame: the void one unless the frame ends the stream (its completion
     * finishes the exchange) or {@code callback} waits for it. Its listener goes on before the
     * frame is written, so that it hears the completion before Netty closes the stream.
     */
    private ChannelPromise promise(ChannelHandlerContext ctx, boolean end, Consumer<? super HttpException> callback) {
        if (!end && callback == null) {
            return ctx.voidPromise();
        }
        ChannelPromise promise = ctx.newPromise();
        promise.addListener(f -> {
            if (callback != null) {
                exchange.response().events().invoke(callback, f.isSuccess() ? null : destroyedError());
            }
            if (end && f.isSuccess()) {
                exchange.finished();
            }
        });
        return promise;
    }

    @Override
    public boolean writable() {
        return open() && connection.encoder().flowController().isWritable(stream);
    }

    @Override
    public boolean connectionWritable() {
        return connection.channelWritable();
    }

    /**
     * Gives up the stream: RST_STREAM (INTERNAL_ERROR), the client sees it was not completed; the
     * exchange ends now, not when the reset reaches a client that may not be reading.
     */
    @Override
    public void cutOff() {
        if (open()) {
            connection.reset(stream, Http2Error.INTERNAL_ERROR);
        }
        if (!exchange.gone()) {
            exchange.destroy(connection.abortOutcome());
        }
    }

    @Override
    public boolean reasonPhrase() {
        return false; // none in HTTP/2: statusMessage reads "", as Node's Http2ServerResponse
    }

    @Override
    public void statusMessageIgnored() {
        connection.statusMessageIgnored(exchange.target());
    }

    /** The remote flow controller says the stream's writability may have changed. */
    void writabilityChanged() {
        if (exchange == null || exchange.gone()) {
            return;
        }
        if (writable()) {
            cancelWriteTimer();
            exchange.response().writable();
        } else {
            startWriteTimer();
        }
    }

    private void startWriteTimer() {
        if (settings.writeTimeoutMillis() > 0 && writeTimer == null && !exchange.gone()) {
            writeTimer = loop().schedule(this::writeExpired, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The client opened no window for the write timeout: the stream is reset, the exchange {@code TIMED_OUT}. */
    private void writeExpired() {
        writeTimer = null;
        if (!writable() && exchange != null && !exchange.gone()) {
            exchange.abort(Outcome.TIMED_OUT);
        }
    }

    void cancelWriteTimer() {
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    private static HttpException destroyedError() {
        return new HttpException(HttpException.ERR_STREAM_DESTROYED, "Cannot call write after a stream was destroyed");
    }
}
