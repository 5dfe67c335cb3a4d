package dev.spindle.host.internal.http.h2;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.FixedHead;
import dev.spindle.host.internal.http.exchange.HeadDraft;
import dev.spindle.host.internal.http.exchange.HostAnswers;
import dev.spindle.host.internal.http.exchange.ResponseSink;
import dev.spindle.host.internal.http.exchange.RequestSource;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Pipeline position: the only handler of one HTTP/2 stream's child channel (beneath it
 * {@code Http2MultiplexHandler} on the connection). One stream is one exchange: the request
 * HEADERS become a request head (pseudo-headers included, as Node's {@code Http2ServerRequest}
 * shows them), DATA its body, a trailing HEADERS its trailers; the response's parts become
 * HEADERS, DATA with END_STREAM and trailing HEADERS. Reading follows the body: a paused or
 * unread body stops the child channel reading, so the stream's window is not reopened.
 * Writability is the child channel's (the stream's window and the connection's write buffer):
 * {@code write()} returns false when it is exhausted, {@code 'drain'} follows when it reopens, and
 * a stream left unwritable for {@code writeTimeoutMillis} is reset. Event loop only.
 */
final class H2Stream extends ChannelInboundHandlerAdapter implements ResponseSink, RequestSource, Exchange.Observer {

    private static final Pattern EXPECT_CONTINUE = Pattern.compile("^100-continue$", Pattern.CASE_INSENSITIVE);

    private final H2Connection connection;
    private final EngineSettings settings;
    private final Dispatcher dispatcher;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private H2Head head;
    private boolean headSent;
    private boolean endSent;
    private boolean reading = true;
    private ScheduledFuture<?> writeTimer;
    /** The request body: bytes so far against {@code maxRequestBodyBytes}, the timer of {@code requestTimeoutMillis}. */
    private long bodyBytes;
    private boolean bodyRefused;
    private ScheduledFuture<?> bodyTimer;

    H2Stream(H2Connection connection, EngineSettings settings, Dispatcher dispatcher) {
        this.connection = connection;
        this.settings = settings;
        this.dispatcher = dispatcher;
    }

    // ---------------------------------------------------------------- inbound frames

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connection.streamOpened(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame) {
                Http2HeadersFrame frame = (Http2HeadersFrame) msg;
                if (exchange == null) {
                    onHead(frame.headers(), frame.isEndStream());
                } else if (!exchange.gone() && !bodyRefused) {
                    cancelBodyTimer();
                    exchange.request().offer(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, H2Fields.trailersIn(frame.headers())));
                }
            } else if (msg instanceof Http2DataFrame) {
                Http2DataFrame frame = (Http2DataFrame) msg;
                if (exchange != null && !bodyRefused) {
                    take(frame);
                }
            } else if (msg instanceof Http2ResetFrame) {
                destroy(Outcome.CLIENT_ABORTED);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(Http2Headers fields, boolean endStream) {
        DefaultHttpRequest head = H2Fields.request(fields);
        CharSequence expect = fields.get("expect");
        boolean expectContinue = expect != null && EXPECT_CONTINUE.matcher(expect).matches();
        exchange = new Exchange(head, this, this, this, true, settings.maxBodyBytes(), expectContinue, System.nanoTime());
        connection.requested();
        if (settings.responseTimeoutMillis() > 0) {
            exchange.deadline(settings.responseTimeoutMillis());
        }
        if (!endStream && settings.requestTimeoutMillis() > 0) {
            // as Node's requestTimeout and the HTTP/1.1 path: the whole request within the time
            bodyTimer = ctx.executor().schedule(() -> refuseBody(408, Outcome.TIMED_OUT,
                    "request not complete in " + settings.requestTimeoutMillis() + " ms"),
                    settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        dispatcher.dispatch(exchange, expect != null && !expectContinue);
        if (endStream) {
            exchange.request().offer(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** A piece of the body, held to {@code maxRequestBodyBytes} as on HTTP/1.1. */
    private void take(Http2DataFrame frame) {
        bodyBytes += frame.content().readableBytes();
        long limit = settings.maxRequestBodyBytes();
        if (limit > 0 && bodyBytes > limit) {
            refuseBody(413, Outcome.CLIENT_ABORTED, "request body over " + limit + " bytes");
            return;
        }
        if (frame.isEndStream()) {
            cancelBodyTimer();
        }
        ByteBuf data = frame.content().retain();
        exchange.request().offer(frame.isEndStream() ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
    }

    /**
     * The body will not be taken: {@code status} if nothing of the response is fixed yet (the
     * stream is then reset with {@code NO_ERROR} as the client still sends, RFC 9113 8.1), else
     * the stream is reset; the handler hears {@code onAborted}.
     */
    private void refuseBody(int status, Outcome why, String reason) {
        cancelBodyTimer();
        if (bodyRefused || exchange == null || exchange.gone() || exchange.request().complete()) {
            return;
        }
        bodyRefused = true;
        connection.bodyRefused(status, reason);
        exchange.refuseBody(status, why);
    }

    private void cancelBodyTimer() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (writable) {
            cancelWriteTimer();
            if (exchange != null) {
                exchange.response().writable();
            }
        } else if (settings.writeTimeoutMillis() > 0 && writeTimer == null && exchange != null && !exchange.gone()) {
            writeTimer = ctx.executor().schedule(this::writeExpired, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The client opened no window for the write timeout: the stream is reset, the exchange {@code TIMED_OUT}. */
    private void writeExpired() {
        writeTimer = null;
        if (!ctx.channel().isWritable() && exchange != null && !exchange.gone()) {
            exchange.abort(Outcome.TIMED_OUT);
        }
    }

    private void cancelWriteTimer() {
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelWriteTimer();
        cancelBodyTimer();
        destroy(connection.abortOutcome());
        connection.streamClosed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.streamFailed(cause);
        ctx.close();
    }

    private void destroy(Outcome why) {
        if (exchange != null && !exchange.gone()) {
            exchange.destroy(why);
        }
    }

    // ---------------------------------------------------------------- RequestSource

    @Override
    public EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    @Override
    public boolean reading() {
        return reading;
    }

    /** Reads on unless the body is paused or too much of it is held: then the stream's window stays shut. */
    @Override
    public void updateReading() {
        boolean read = exchange == null || !exchange.request().holdsReading();
        if (read != reading) {
            reading = read;
            ctx.channel().config().setAutoRead(read);
        }
    }

    // ---------------------------------------------------------------- ResponseSink

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public ByteBuf bodyBuffer(int length) {
        return ctx.alloc().buffer(length);
    }

    @Override
    public FixedHead fixHead(HeadDraft draft) {
        try {
            head = H2Head.build(draft);
        } catch (HttpException e) {
            // Node leaves such a stream open for ever when the handler catches the error: unless
            // the handler answers otherwise at once, the host answers 500
            ctx.executor().execute(() -> {
                if (!exchange.gone() && exchange.response().headOpen()) {
                    HostAnswers.internalError(exchange.response());
                }
            });
            throw e;
        }
        return head;
    }

    @Override
    public void sendContinue() {
        if (!endSent && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(H2Head.status(100), false));
        }
    }

    @Override
    public void send(ByteBuf data, boolean last, HttpHeaders trailers, Consumer<? super HttpException> callback) {
        if (!ctx.channel().isActive() || exchange.gone()) {
            ReferenceCountUtil.release(data);
            if (callback != null) {
                exchange.response().events().invoke(callback, destroyedError());
            }
            return;
        }
        ChannelFuture sent = null;
        boolean end = false;
        if (!headSent) {
            headSent = true;
            end = !head.hasBody || last && (data == null || !data.isReadable()) && trailers == null;
            sent = ctx.write(new DefaultHttp2HeadersFrame(head.headers, end));
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
                sent = ctx.write(new DefaultHttp2DataFrame(data == null ? Unpooled.EMPTY_BUFFER : data, end));
            }
            if (last && trailers != null) {
                end = true;
                sent = ctx.write(new DefaultHttp2HeadersFrame(H2Fields.trailersOut(trailers), true));
            }
        }
        ctx.flush();
        if (sent == null) {
            if (callback != null) {
                ctx.executor().execute(() -> exchange.response().events().invoke(callback, null));
            }
            if (last && endSent) {
                exchange.finished();
            }
            return;
        }
        endSent |= end;
        boolean finishes = end;
        sent.addListener(f -> {
            if (callback != null) {
                exchange.response().events().invoke(callback, f.isSuccess() ? null : destroyedError());
            }
            if (finishes && f.isSuccess()) {
                exchange.finished();
            }
        });
    }

    @Override
    public boolean writable() {
        return ctx.channel().isWritable();
    }

    @Override
    public boolean connectionWritable() {
        return ctx.channel().isWritable();
    }

    /** Gives up the stream: RST_STREAM (INTERNAL_ERROR), the client sees it was not completed. */
    @Override
    public void cutOff() {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
            ctx.close();
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

    // ---------------------------------------------------------------- Exchange.Observer

    /** A listener of the handler's threw: logged as the handler's failures are, not flooding. */
    @Override
    public void listenerFailed(Exchange exchange, Throwable t) {
        dispatcher.listenerFailed(exchange, t);
    }

    @Override
    public void exchangeDone(Exchange done, Outcome outcome) {
        cancelWriteTimer();
        connection.exchangeDone(done, outcome);
        if ((outcome == Outcome.COMPLETED || bodyRefused) && !done.request().complete() && ctx.channel().isActive()) {
            // the answer is complete while the client still sends: it may stop (RFC 9113 8.1)
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
    }

    /** The host ends this stream's exchange if {@code target} (null: any) serves it: see {@link H2Connection#end}. */
    void end(RouteTarget target, Outcome why) {
        if (exchange != null && !exchange.gone() && !exchange.response().writableEnded()
                && (target == null || exchange.target() == target)) {
            exchange.endFor(why);
        }
    }

    private static HttpException destroyedError() {
        return new HttpException(HttpException.ERR_STREAM_DESTROYED, "Cannot call write after a stream was destroyed");
    }
}
