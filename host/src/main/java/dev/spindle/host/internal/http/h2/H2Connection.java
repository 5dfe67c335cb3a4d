package dev.spindle.host.internal.http.h2;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.BatchTally;
import dev.spindle.host.internal.http.dispatch.BlockedLoopChecker;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.connection.WaitingBytes;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Pipeline position: last on an HTTP/2 connection (after TLS, or in place of the HTTP/1.1
 * handlers on the cleartext port). Netty's {@link Http2ConnectionHandler} (framing, HPACK, flow
 * control and its protections against the known attacks, as {@link H2Pipeline} configures them),
 * its frames handed to the streams' {@link H2Stream}s by {@link H2Frames}: no channel per stream.
 * What is written during a read batch goes out with one flush at its end (or once 32 KiB are
 * waiting); outside a batch at once. One per connection: knows its open streams, so that the
 * engine can shut it down (GOAWAY, then open streams finish, then the close) and end what a
 * removed handler serves; opens the connection's flow-control window wide enough that paused
 * streams never starve the others; closes a connection idle for {@code keepAliveTimeoutMillis}
 * or whose client reads nothing for {@code writeTimeoutMillis}; counts requests and responses
 * once per read batch. Event loop only, but for the fields the shell reads.
 */
public final class H2Connection extends Http2ConnectionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(H2Connection.class);
    private static final AtomicLong IDS = new AtomicLong(1L << 40);
    /** The handlers told about {@link #statusMessageIgnored}: weakly held, so that a removed one's bundle can go. */
    private static final Set<RouteTarget> STATUS_MESSAGE_NOTED = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    /** Bytes of DATA written in a read batch before they are flushed without waiting for its end. */
    private static final int FLUSH_BYTES = 32 * 1024;

    private final EngineSettings settings;
    private final Dispatcher dispatcher;
    private final BatchTally tally;
    private final String protocol;
    private final H2Frames frames;
    private ChannelHandlerContext ctx;
    private H2Ending ending;
    private boolean inRead;
    /** The clock when the read batch brought its first request; 0 before. */
    private long batchNanos;
    private int unflushed;
    private boolean dispatchedInBatch;

    /** For {@code HttpServer.connections()}: written on the event loop, read from anywhere. */
    public final long id = IDS.incrementAndGet();
    public final long createdNanos = System.nanoTime();
    private volatile long requests;
    private volatile int openStreams;
    private volatile long lastActiveNanos = createdNanos;

    /** @param protocol {@code h2c} or {@code h2}, as the shell shows it */
    H2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings,
            EngineSettings settings, Dispatcher dispatcher, String protocol) {
        super(decoder, encoder, initialSettings);
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.tally = new BatchTally(dispatcher.stats(), Protocol.of(protocol));
        this.protocol = protocol;
        this.frames = new H2Frames(this, connection().newKey());
        decoder.frameListener(frames);
        connection().addListener(frames);
        encoder.flowController().listener(frames);
    }

    public String protocol() {
        return protocol;
    }

    public long requests() {
        return requests;
    }

    public int openStreams() {
        return openStreams;
    }

    public long lastActiveNanos() {
        return lastActiveNanos;
    }

    // ---------------------------------------------------------------- for the streams

    ChannelHandlerContext ctx() {
        return ctx;
    }

    EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    boolean active() {
        return ctx.channel().isActive();
    }

    boolean channelWritable() {
        return ctx.channel().isWritable();
    }

    InetSocketAddress remoteAddress() {
        SocketAddress a = ctx.channel().remoteAddress();
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    InetSocketAddress localAddress() {
        SocketAddress a = ctx.channel().localAddress();
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    /** How an exchange cut off by the end of its stream ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return ending.abortOutcome();
    }

    H2Stream streamOf(Http2Stream stream) {
        return frames.of(stream);
    }

    /** When the requests of this read batch arrived (one clock reading per batch). */
    long batchNanos() {
        if (!inRead) {
            return System.nanoTime();
        }
        if (batchNanos == 0) {
            batchNanos = System.nanoTime();
        }
        return batchNanos;
    }

    /** The request HEADERS of {@code stream} arrived: its exchange begins. */
    H2Stream streamOpened(Http2Stream stream) {
        openStreams++;
        ending.notIdle();
        return new H2Stream(this, stream, settings);
    }

    /** Hands the exchange to its handler: within the read batch's span of handler calls, if in one. */
    void dispatch(Exchange exchange, boolean unknownExpectation) {
        if (inRead) {
            dispatchedInBatch = true;
            dispatcher.dispatchInBatch(exchange, unknownExpectation);
        } else {
            dispatcher.dispatch(exchange, unknownExpectation);
        }
    }

    void requested() {
        requests++;
        lastActiveNanos = System.nanoTime();
        tally.request(inRead);
    }

    /** Frames of a stream were written: flushed with the read batch, or now outside one. */
    void written(int dataBytes) {
        if (!inRead) {
            flush(ctx);
        } else if ((unflushed += dataBytes) >= FLUSH_BYTES) {
            flush(ctx);
        }
    }

    /** The body bytes of {@code stream} held while it did not read are taken: its window reopens. */
    void consumed(Http2Stream stream, int bytes) {
        try {
            if (decoder().flowController().consumeBytes(stream, bytes)) {
                written(0);
            }
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
    }

    /** Resets {@code stream} with {@code error}; Netty then closes it. */
    void reset(Http2Stream stream, Http2Error error) {
        resetStream(ctx, stream.id(), error.code(), ctx.newPromise());
        written(0);
    }

    /** A stream's body was refused ({@code 408}, {@code 413}): counted as the HTTP/1.1 refusals are. */
    void bodyRefused(int status, String why) {
        LOG.debug("Refused a request body from {} with {}: {}", remoteAddress(), status, why);
        tally.bodyRefused(status, false);
    }

    void exchangeDone(Exchange exchange, Outcome outcome) {
        Response res = exchange.response();
        int status = res.headOpen() ? 0 : res.statusCode();
        tally.responded(status, inRead);
        if (exchange.target() != null) {
            tally.finished(exchange.target(), exchange.method(), outcome, status, exchange.startNanos(), 0, inRead);
        }
        dispatcher.ended(exchange, status);
        lastActiveNanos = System.nanoTime();
    }

    void streamClosed(H2Stream stream) {
        openStreams--;
        if (openStreams == 0) {
            ending.nothingOpen();
        }
    }

    /**
     * The handler of {@code target} gave a status message (its own, or a reason phrase to
     * {@code writeHead}), which HTTP/2 has no place for: ignored, as Node ignores it, and said
     * once per handler (Node warns once per process).
     */
    void statusMessageIgnored(RouteTarget target) {
        if (STATUS_MESSAGE_NOTED.add(target)) {
            LOG.info("Handler service {} sets a status message: HTTP/2 has none, so it is ignored over h2 and h2c"
                    + " (noted once per handler)", target == null ? "-" : target.serviceId());
        }
    }

    void streamFailed(Throwable cause) {
        LOG.warn("A stream from {} failed: reset", remoteAddress(), cause);
    }

    // ---------------------------------------------------------------- the engine's side

    /** The server is shutting down: see {@link H2Ending#shutdown}. */
    public void shutdown() {
        ending.shutdown();
    }

    /** The listener was replaced: as {@link #shutdown}, GOAWAY and close once the open streams are answered. */
    public void closeAfterNextResponse() {
        ending.shutdown();
    }

    /** The host ends what this connection serves for {@code target}: see {@link H2Ending#end}. */
    public void end(RouteTarget target, Outcome why) {
        ending.end(target, why);
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        this.ctx = ctx;
        this.ending = new H2Ending(this, ctx, settings);
        if (protocol.equals("h2c")) {
            // a cleartext connection, counted as h1 when it opened, turned to HTTP/2
            dispatcher.stats().connectionTurned(Protocol.H1, Protocol.H2C);
        }
        // each stream may hold its whole window unread (a paused body): the connection's window
        // covers all of them, so one paused stream never stops the others
        long wanted = (long) settings.maxConcurrentStreams() * H2Pipeline.STREAM_WINDOW;
        int increment = (int) Math.min(Integer.MAX_VALUE - 65_535L, Math.max(0, wanted - 65_535L));
        if (increment > 0) {
            decoder().flowController().incrementWindowSize(connection().connectionStream(), increment);
            flush(ctx);
        }
        ending.idle();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        unflushed = 0;
        super.flush(ctx);
        if (ending != null && WaitingBytes.in(ctx.channel())) { // (no ending yet: Netty's preface, in handlerAdded)
            ending.pendingAfterFlush(); // the socket took less than was written: the write timer watches the rest
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!inRead) {
            inRead = true;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // requests are counted before their responses go out; the flush (Netty's, at the end of
        // the batch) completes most responses of the batch, counted once for all after it
        tally.publishRequests();
        try {
            super.channelReadComplete(ctx);
        } finally {
            if (inRead) {
                inRead = false;
                batchNanos = 0;
                if (dispatchedInBatch) {
                    dispatchedInBatch = false;
                    BlockedLoopChecker.batchEnded(0);
                }
                tally.publish(0, 0, 0);
            }
        }
    }

    /** {@code Upgrade: h2c}: the HTTP/1.1 request that asked for it is stream 1's, already half closed. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
            FullHttpRequest req = ((HttpServerUpgradeHandler.UpgradeEvent) evt).upgradeRequest();
            req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http"); // h2c: cleartext
            frames.onHeadersRead(ctx, Http2CodecUtil.HTTP_UPGRADE_STREAM_ID, HttpConversionUtil.toHttp2Headers(req, true),
                    0, true);
            written(0);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ending.writabilityChanged();
        super.channelWritabilityChanged(ctx); // the streams' writability follows the socket's
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ending.closed();
        try {
            super.channelInactive(ctx); // closes the streams: their exchanges end with abortOutcome()
        } finally {
            if (inRead) {
                inRead = false;
                if (dispatchedInBatch) {
                    dispatchedInBatch = false;
                    BlockedLoopChecker.batchEnded(0);
                }
                tally.publish(0, 0, 0);
            }
            dispatcher.connectionClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // Netty answers it itself (RST_STREAM or GOAWAY with the error's code, then the close)
            LOG.debug("HTTP/2 protocol error from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            super.exceptionCaught(ctx, cause);
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("HTTP/2 connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("Unexpected failure on the HTTP/2 connection from {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.channel().close();
    }
}
