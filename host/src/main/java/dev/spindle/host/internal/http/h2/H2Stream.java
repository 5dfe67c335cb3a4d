package dev.spindle.host.internal.http.h2;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.connection.Methods;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.HostAnswers;
import dev.spindle.host.internal.http.exchange.RequestSource;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Data path: one HTTP/2 stream of an {@link H2Connection} (kept as a property of Netty's
 * {@link Http2Stream}, its frames brought by {@link H2Frames}), as one exchange, whose response
 * goes down through an {@link H2Sink}. The request HEADERS become a request head
 * (pseudo-headers included, as Node's {@code Http2ServerRequest} shows them), DATA its body, a
 * trailing HEADERS its trailers. Reading follows the body: while it is paused or unread, the bytes
 * that arrive are not consumed, so the stream's window is not reopened (the connection's is, by
 * Netty's local flow controller). Event loop only.
 */
final class H2Stream implements RequestSource, Exchange.Observer {

    private static final Pattern EXPECT_CONTINUE = Pattern.compile("^100-continue$", Pattern.CASE_INSENSITIVE);

    private final H2Connection connection;
    private final Http2Stream stream;
    private final EngineSettings settings;
    private Exchange exchange;
    private H2Sink sink;
    private boolean reading = true;
    /** Body bytes taken while not reading: consumed (the stream's window reopened) when reading resumes. */
    private int unconsumed;
    /** The request body: bytes so far against {@code maxRequestBodyBytes}, the timer of {@code requestTimeoutMillis}. */
    private long bodyBytes;
    private boolean bodyRefused;
    private ScheduledFuture<?> bodyTimer;

    H2Stream(H2Connection connection, Http2Stream stream, EngineSettings settings) {
        this.connection = connection;
        this.stream = stream;
        this.settings = settings;
    }

    // ---------------------------------------------------------------- inbound frames (from H2Frames)

    /** The request's HEADERS (or the HTTP/1.1 request of an {@code Upgrade: h2c}, as stream 1). */
    void onHead(Http2Headers fields, boolean endStream, long startNanos) {
        DefaultHttpRequest req = H2Fields.request(fields);
        CharSequence expect = fields.get("expect");
        boolean expectContinue = expect != null && EXPECT_CONTINUE.matcher(expect).matches();
        sink = new H2Sink(connection, stream, settings);
        exchange = new Exchange(req, this, sink, this, true, settings.maxBodyBytes(), expectContinue, startNanos);
        sink.bind(exchange);
        connection.requested();
        if (settings.responseTimeoutMillis() > 0) {
            exchange.deadline(settings.responseTimeoutMillis());
        }
        if (!endStream && settings.requestTimeoutMillis() > 0) {
            // as Node's requestTimeout and the HTTP/1.1 path: the whole request within the time
            bodyTimer = loop().schedule(() -> refuseBody(408, Outcome.TIMED_OUT,
                    "request not complete in " + settings.requestTimeoutMillis() + " ms"),
                    settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (Methods.served(req.method(), settings.extraMethods())) {
            connection.dispatch(exchange, expect != null && !expectContinue);
        } else {
            HostAnswers.notImplemented(exchange.response()); // as HTTP/1.1's gate: no handler sees it
        }
        if (endStream) {
            exchange.request().offer(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    boolean hasExchange() {
        return exchange != null;
    }

    /** A trailing HEADERS frame: the request's trailers, and its end. */
    void onTrailers(Http2Headers fields) {
        if (!exchange.gone() && !bodyRefused) {
            cancelBodyTimer();
            exchange.request().offer(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, H2Fields.trailersIn(fields)));
        }
    }

    /**
     * A DATA frame's {@code data} (not retained by the caller), held to {@code maxRequestBodyBytes}
     * as on HTTP/1.1. Returns how many of its bytes are consumed now: all unless the body holds
     * reading (paused, or unread), then those wait for {@link #updateReading}.
     */
    int onData(ByteBuf data, int padding, boolean endStream) {
        int length = data.readableBytes();
        if (exchange == null || bodyRefused) {
            return length + padding;
        }
        bodyBytes += length;
        long limit = settings.maxRequestBodyBytes();
        if (limit > 0 && bodyBytes > limit) {
            refuseBody(413, Outcome.CLIENT_ABORTED, "request body over " + limit + " bytes");
            return length + padding;
        }
        if (endStream) {
            cancelBodyTimer();
        }
        data.retain();
        exchange.request().offer(endStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
        if (reading || exchange.gone()) {
            return length + padding;
        }
        unconsumed += length;
        return padding;
    }

    /** The client reset the stream. */
    void onReset() {
        destroy(Outcome.CLIENT_ABORTED);
    }

    /**
     * Netty closed the stream: both sides ended (a stream closes on our side only once the frame
     * that ended it was written, so its response is in the socket, even when Netty merged that
     * DATA into an earlier frame's write), or it was reset, or the connection went.
     */
    void closed() {
        cancelBodyTimer();
        if (sink == null) {
            return;
        }
        sink.closed();
        if (sink.endSent() && exchange != null && !exchange.gone() && !stream.isResetSent() && connection.active()) {
            exchange.finished();
        } else {
            destroy(connection.abortOutcome());
        }
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

    private void destroy(Outcome why) {
        if (exchange != null && !exchange.gone()) {
            exchange.destroy(why);
        }
    }

    // ---------------------------------------------------------------- RequestSource

    @Override
    public EventLoop loop() {
        return connection.loop();
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
            if (read && unconsumed > 0) {
                int n = unconsumed;
                unconsumed = 0;
                connection.consumed(stream, n);
            }
        }
    }

    // ---------------------------------------------------------------- Exchange.Observer

    /** A listener of the handler's threw: logged as the handler's failures are, not flooding. */
    @Override
    public void listenerFailed(Exchange exchange, Throwable t) {
        connection.dispatcher().listenerFailed(exchange, t);
    }

    @Override
    public void exchangeDone(Exchange done, Outcome outcome) {
        sink.cancelWriteTimer();
        cancelBodyTimer();
        connection.exchangeDone(done, outcome);
        if ((outcome == Outcome.COMPLETED || bodyRefused) && !done.request().complete() && sink.open()) {
            // the answer is complete while the client still sends: it may stop (RFC 9113 8.1)
            connection.reset(stream, Http2Error.NO_ERROR);
        }
    }

    /** The remote flow controller says the stream's writability may have changed. */
    void writabilityChanged() {
        if (sink != null) {
            sink.writabilityChanged();
        }
    }

    /** The host ends this stream's exchange if {@code target} (null: any) serves it: see {@link H2Ending#end}. */
    void end(RouteTarget target, Outcome why) {
        if (exchange != null && !exchange.gone() && !exchange.response().writableEnded()
                && (target == null || exchange.target() == target)) {
            exchange.endFor(why);
        }
    }
}
