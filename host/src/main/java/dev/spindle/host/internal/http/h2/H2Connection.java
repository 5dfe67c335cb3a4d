package dev.spindle.host.internal.http.h2;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.BatchTally;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;

/**
 * Pipeline position: last on an HTTP/2 connection, after {@code Http2FrameCodec} and
 * {@code Http2MultiplexHandler}. One per connection: knows its open streams ({@link H2Stream}), so
 * that the engine can shut it down (GOAWAY, then open streams finish, then the close) and end what
 * a removed handler serves; opens the connection's flow-control window wide enough that paused
 * streams never starve the others; closes a connection idle for {@code keepAliveTimeoutMillis} or
 * whose client reads nothing for {@code writeTimeoutMillis}; counts requests and responses.
 * Event loop only, but for the fields the shell reads.
 */
public final class H2Connection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(H2Connection.class);
    private static final AtomicLong IDS = new AtomicLong(1L << 40);
    /** The handlers told about {@link #statusMessageIgnored}: weakly held, so that a removed one's bundle can go. */
    private static final Set<RouteTarget> STATUS_MESSAGE_NOTED = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));

    private final EngineSettings settings;
    private final Dispatcher dispatcher;
    private final BatchTally tally;
    private final String protocol;
    private final Set<H2Stream> streams = new LinkedHashSet<>();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> idleTimer;
    private ScheduledFuture<?> writeTimer;
    private Outcome closeReason;
    private boolean shuttingDown;

    /** For {@code HttpServer.connections()}: written on the event loop, read from anywhere. */
    public final long id = IDS.incrementAndGet();
    public final long createdNanos = System.nanoTime();
    private volatile long requests;
    private volatile int openStreams;
    private volatile long lastActiveNanos = createdNanos;

    /** @param protocol {@code h2c} or {@code h2}, as the shell shows it */
    H2Connection(EngineSettings settings, Dispatcher dispatcher, String protocol) {
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.tally = new BatchTally(dispatcher.stats(), Protocol.of(protocol));
        this.protocol = protocol;
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
        return closeReason != null ? closeReason : Outcome.CLIENT_ABORTED;
    }

    // ---------------------------------------------------------------- the streams

    void streamOpened(H2Stream stream) {
        streams.add(stream);
        openStreams = streams.size();
        cancelIdle();
    }

    void requested() {
        requests++;
        lastActiveNanos = System.nanoTime();
        tally.request();
    }

    /** A stream's body was refused ({@code 408}, {@code 413}): counted as the HTTP/1.1 refusals are. */
    void bodyRefused(int status, String why) {
        LOG.debug("Refused a request body from {} with {}: {}", remoteAddress(), status, why);
        tally.refused(status);
    }

    void exchangeDone(Exchange exchange, Outcome outcome) {
        Response res = exchange.response();
        int status = res.headOpen() ? 0 : res.statusCode();
        tally.responded(status);
        if (exchange.target() != null) {
            tally.finished(exchange.target(), outcome, status, exchange.startNanos(), 0);
        }
        dispatcher.ended(exchange, status);
        lastActiveNanos = System.nanoTime();
    }

    void streamClosed(H2Stream stream) {
        streams.remove(stream);
        openStreams = streams.size();
        if (streams.isEmpty() && ctx.channel().isActive()) {
            if (shuttingDown) {
                ctx.close();
            } else {
                idle();
            }
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
        LOG.debug("A stream from {} failed: {}", remoteAddress(), cause.toString());
    }

    // ---------------------------------------------------------------- the engine's side

    /**
     * The server is shutting down: GOAWAY goes out now (no new stream is accepted), the open
     * streams go on until they are answered, then the connection closes.
     */
    public void shutdown() {
        if (shuttingDown || !ctx.channel().isActive()) {
            return;
        }
        shuttingDown = true;
        goAway();
    }

    /** The listener was replaced: as {@link #shutdown}, GOAWAY and close once the open streams are answered. */
    public void closeAfterNextResponse() {
        shutdown();
    }

    /**
     * The host ends what this connection serves for {@code target} (null: everything, at the
     * shutdown deadline) with {@code why}: an unanswered stream gets 503, one under way is reset.
     * As on HTTP/1.1, a response already ended is left to flush: its DATA may wait for the
     * client's window, bounded by the write timeout (at shutdown by the engine's cut grace, then
     * the connection is closed).
     */
    public void end(RouteTarget target, Outcome why) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (target == null) {
            closeReason = why;
        }
        for (H2Stream s : new ArrayList<>(streams)) {
            s.end(target, why);
        }
        if (target == null) {
            shuttingDown = true;
            goAway();
            if (streams.isEmpty()) {
                ctx.close();
            }
        }
    }

    /** Sends GOAWAY (NO_ERROR, the last stream this server started to serve) once; the connection stays open. */
    private void goAway() {
        Http2ConnectionHandler codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec != null && !codec.connection().goAwaySent()) {
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        }
        if (streams.isEmpty()) {
            ctx.close();
        }
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
        this.ctx = ctx;
        if (protocol.equals("h2c")) {
            // a cleartext connection, counted as h1 when it opened, turned to HTTP/2
            dispatcher.stats().connectionTurned(Protocol.H1, Protocol.H2C);
        }
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        // each stream may hold its whole window unread (a paused body): the connection's window
        // covers all of them, so one paused stream never stops the others
        long wanted = (long) settings.maxConcurrentStreams() * H2Pipeline.STREAM_WINDOW;
        int increment = (int) Math.min(Integer.MAX_VALUE - 65_535L, Math.max(0, wanted - 65_535L));
        if (increment > 0) {
            codec.connection().local().flowController().incrementWindowSize(codec.connection().connectionStream(), increment);
            ctx.flush();
        }
        idle();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (writeTimer != null) {
                writeTimer.cancel(false);
                writeTimer = null;
            }
        } else if (settings.writeTimeoutMillis() > 0 && writeTimer == null) {
            writeTimer = ctx.executor().schedule(() -> {
                writeTimer = null;
                if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
                    LOG.debug("{} read nothing for {} ms: closing", remoteAddress(), settings.writeTimeoutMillis());
                    closeReason = Outcome.TIMED_OUT;
                    ctx.channel().close();
                }
            }, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void idle() {
        cancelIdle();
        long millis = settings.keepAliveTimeoutMillis();
        if (millis > 0) {
            idleTimer = ctx.executor().schedule(() -> {
                idleTimer = null;
                if (streams.isEmpty() && ctx.channel().isActive()) {
                    LOG.debug("Closing idle HTTP/2 connection from {}", remoteAddress());
                    shuttingDown = true;
                    goAway();
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelIdle() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdle();
        if (writeTimer != null) {
            writeTimer.cancel(false);
        }
        dispatcher.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // the codec answers it itself (GOAWAY with the error's code, then the close)
            LOG.debug("HTTP/2 protocol error from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("HTTP/2 connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("Unexpected failure on the HTTP/2 connection from {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
