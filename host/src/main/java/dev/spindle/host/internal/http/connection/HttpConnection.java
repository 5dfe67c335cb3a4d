package dev.spindle.host.internal.http.connection;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.Http1Head;
import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.http.dispatch.BatchTally;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.Fields;
import dev.spindle.host.internal.http.exchange.RequestSource;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * Pipeline position: last, after {@link RequestDecoder} and {@link ResponseEncoder}. One per
 * connection: lets request heads through the {@link RequestGate} (or answers its refusal after
 * the responses still owed), turns them into exchanges with an {@link Http1Stream} each, hands
 * them to the {@link Dispatcher}, writes their responses in request order (pipelining), applies
 * keep-alive, flushes once per read batch and finishes the exchanges whose responses reached the
 * socket. The body arriving is held to its limits by {@link BodyIntake}, the response order kept by
 * {@link ResponseQueue}, the client's pace of taking its responses followed by {@link WriteFlow}, and
 * its end (refusals, shutdown, retiring, timeouts) decided by {@link ConnectionEnding}; its timers,
 * and what their expiry calls, are in {@link ConnectionTimers}, each read batch's accounting (its
 * counts, its end, its idle check) in {@link ReadBatch}. Everything here runs on the connection's
 * event loop.
 */
public final class HttpConnection extends ChannelInboundHandlerAdapter
        implements RequestSource, Exchange.Observer {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);
    private static final Pattern EXPECT_CONTINUE = Pattern.compile("(?:^|\\W)100-continue(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    private static final AtomicLong IDS = new AtomicLong();
    // shown by the shell only: release stores, no fence per request
    private static final VarHandle REQUESTS = Fields.handle(MethodHandles.lookup(), "requests", long.class);
    private static final VarHandle STATE = Fields.handle(MethodHandles.lookup(), "state", String.class);

    private final Dispatcher dispatcher;
    private final EngineSettings settings;
    private final Protocol protocol;
    private final AsciiString keepAliveValue;
    private final RequestGate gate = new RequestGate();
    private final Upgrade upgrade;
    private ChannelHandlerContext ctx;
    private ConnectionTimers timers;
    /** Out of the pipeline: an upgrade took the connection over (or it closed). */
    private boolean removed;
    private FlushTracker flushes;
    private ResponseQueue queue;
    private RequestDecoder decoder;
    private BodyIntake body;
    private ConnectionEnding ending;
    private WriteFlow writes;
    private ReadBatch batch;
    private boolean reading = true;
    /** An {@link Upgrade} waiting for its route's replacement: what answers it now (at shutdown), or null. */
    private Runnable parkedUpgrade;

    /** For {@code HttpServer.connections()}: written on the event loop, read from anywhere. */
    public final long id = IDS.incrementAndGet();
    private volatile long requests;
    private volatile String state = "idle";

    /**
     * @param protocol {@code H1}, or {@code H1_TLS} behind a TLS handshake: what its connection and requests count as
     * @param upgrade offered each request that asks for another protocol, or {@code null} (see {@link Upgrade})
     */
    public HttpConnection(Dispatcher dispatcher, EngineSettings settings, Protocol protocol, Upgrade upgrade) {
        this.upgrade = upgrade;
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.protocol = protocol;
        this.keepAliveValue = Http1Head.keepAliveValue(settings.keepAliveTimeoutMillis());
    }

    // ---------------------------------------------------------------- RequestSource, and for the streams

    @Override
    public EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** Whether the write buffer is below its high-water mark (readable from any thread). */
    boolean channelWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        SocketAddress a = ctx.channel().remoteAddress();
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    @Override
    public InetSocketAddress localAddress() {
        SocketAddress a = ctx.channel().localAddress();
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    @Override
    public boolean reading() {
        return reading;
    }

    /** Reads on while there is room: not closing, few unanswered requests, no held-back body. */
    @Override
    public void updateReading() {
        boolean read = !ending.closing() && queue.size() < settings.maxPipelined()
                && !body.holdsReading() && !writes.clientBehind();
        if (read != reading) {
            reading = read;
            ctx.channel().config().setAutoRead(read);
        }
    }

    public long requests() {
        return requests;
    }

    /** {@code idle}, {@code reading}, {@code in handler} or {@code writing}. */
    public String state() {
        return state;
    }

    void setState(String s) {
        STATE.setRelease(this, s);
    }

    // ---------------------------------------------------------------- the parts, for each other

    EngineSettings settings() {
        return settings;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    BatchTally tally() {
        return batch.tally();
    }

    RequestDecoder decoder() {
        return decoder;
    }

    ResponseQueue queue() {
        return queue;
    }

    FlushTracker flushes() {
        return flushes;
    }

    ConnectionTimers timers() {
        return timers;
    }

    BodyIntake body() {
        return body;
    }

    ConnectionEnding ending() {
        return ending;
    }

    WriteFlow writes() {
        return writes;
    }

    // ---------------------------------------------------------------- for the response queue and the streams

    boolean inRead() {
        return batch.open();
    }

    boolean closing() {
        return ending.closing();
    }

    /** The server stops or the listener was replaced: the newest response when its head is fixed says it is the last. */
    boolean endingSoon() {
        return ending.endingSoon();
    }

    /** The head of the last response before the close is fixed: no request after it is read. */
    void lastBeforeClose() {
        ending.lastBeforeClose();
    }

    void flush() {
        flushes.flush();
        batch.flushed();
    }

    /** How an exchange cut off by the end of this connection ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return ending.abortOutcome();
    }

    @Override
    public void listenerFailed(Exchange exchange, Throwable t) {
        dispatcher.listenerFailed(exchange, t);
    }

    @Override
    public void exchangeDone(Exchange exchange, Outcome outcome) {
        dispatcher.ended(exchange, batch.exchangeDone(exchange, outcome, flushes.finishedAtNanos()));
        batch.idleCheck(exchange);
    }

    /** Nothing is unanswered but {@code done} (null: nothing) and no body arrives: the connection is idle. */
    void idleIfNothingOpen(Exchange done) {
        if (removed) {
            return; // an exchange finished after an upgrade: the connection is the new protocol's
        }
        if (queue.onlyLeft(done == null ? null : (Http1Stream) done.sink()) && !body.arriving()) {
            ending.nothingOpen();
        }
    }

    /** The server is shutting down: see {@link ConnectionEnding#shutdown}. */
    public void shutdown() {
        ending.shutdown();
    }

    /**
     * An {@link Upgrade} that took a request waits for its route's replacement: {@code answer}
     * (null once it is answered) ends the wait at once when the server shuts down.
     */
    public void parkUpgrade(Runnable answer) {
        parkedUpgrade = answer;
    }

    Runnable parkedUpgrade() {
        return parkedUpgrade;
    }

    /** The listener this connection came from was replaced: see {@link ConnectionEnding#retire}. */
    public void closeAfterNextResponse() {
        ending.retire();
    }

    /** The host ends what this connection serves for {@code target}: see {@link ConnectionEnding#end}. */
    public void end(RouteTarget target, Outcome why) {
        ending.end(target, why);
    }

    /** Stops reading, lets everything written so far go out, then closes. */
    void closeAfterFlush() {
        ending.closeAfterFlush();
    }

    /** A request that never reaches a handler: answered with {@code status} after what is owed, then a close. */
    public void refuse(int status, String why) {
        ending.refuse(status, why);
    }

    /** The body of a request (counted already, its exchange destroyed) refused with {@code status}, as {@link #refuse}. */
    void refuseBody(int status, String why) {
        ending.refuse(status, why, true);
    }

    /** The body arriving is complete or given up: with its exchange already answered, the connection may be idle. */
    void bodyDone() {
        batch.idleCheck(null);
    }

    /** The host ends the connection for {@code why}: what was written goes out, then it closes. */
    void closeFor(Outcome why) {
        ending.closeFor(why);
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ResponseEncoder encoder = ctx.pipeline().get(ResponseEncoder.class);
        this.decoder = ctx.pipeline().get(RequestDecoder.class);
        this.batch = new ReadBatch(this, BatchTally.ofLoop(dispatcher.stats(), protocol), decoder, encoder);
        this.flushes = new FlushTracker(ctx, encoder, () -> writes.pendingAfterFlush());
        this.queue = new ResponseQueue(this, ctx, flushes);
        // the timers fire on this loop, never before the parts they call are made below
        this.timers = new ConnectionTimers(ctx.executor(), this);
        this.body = new BodyIntake(this);
        this.ending = new ConnectionEnding(this, ctx);
        this.writes = new WriteFlow(this, ctx);
    }

    /**
     * Taken out of the pipeline: by an upgrade (HTTP/2, WebSocket, a raw protocol), which takes the
     * live connection over, or by the pipeline's teardown after {@link #channelInactive}. Its timers
     * go with it, and nothing it still finishes may close or time out the connection it gave away.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        removed = true;
        timers.cancelAll();
        if (ctx.channel().isActive()) {
            // an upgrade takes the connection over in the read batch that brought it: the answers to
            // requests pipelined before it go out now, and their exchanges end (no batch end comes)
            flushes.flush();
            batch.removed();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        dispatcher.connectionOpened(protocol);
        if (dispatcher.openConnections() > settings.maxConnections()) {
            ending.refuseConnection();
            return;
        }
        timers.idle(settings.headersTimeoutMillis());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        batch.read();
        if (msg instanceof HttpRequest) {
            if (onHead((HttpRequest) msg)) {
                return; // taken over by another protocol
            }
            if (((HttpRequest) msg).decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg); // Netty's failed head may also be a (full) message
                return;
            }
        }
        if (msg instanceof HttpContent) {
            body.take((HttpContent) msg);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Returns whether an {@link Upgrade} took {@code head} (and the connection) over. */
    private boolean onHead(HttpRequest head) {
        if (ending.closing()) {
            return false;
        }
        timers.notIdle();
        int refused = gate.check(head, decoder, settings);
        if (refused != 0) {
            refuse(refused, gate.refusal);
            return false;
        }
        if (upgrade != null && decoder.had(RequestDecoder.UPGRADE) && head instanceof FullHttpRequest
                && queue.size() == 0 && !body.arriving() && upgrade.take((FullHttpRequest) head, this, ctx)) {
            return true;
        }
        boolean http11 = head.protocolVersion().equals(HttpVersion.HTTP_1_1);
        String expect = gate.expect;
        boolean expectContinue = http11 && expect != null && EXPECT_CONTINUE.matcher(expect).find();
        Http1Stream stream = new Http1Stream(this, queue, ctx.channel().eventLoop(), keepAliveValue);
        Exchange exchange = new Exchange(head, this, stream, this, HttpUtil.isKeepAlive(head), settings.maxBodyBytes(),
                expectContinue, batch.startNanos());
        stream.bind(exchange);
        ending.requestReceived(exchange);
        queue.add(stream);
        body.start(stream);
        REQUESTS.setRelease(this, requests + 1);
        batch.tally().request(true);
        setState("in handler");
        if (settings.responseTimeoutMillis() > 0) {
            exchange.deadline(settings.responseTimeoutMillis());
        }
        dispatcher.dispatchInBatch(exchange, http11 && expect != null && !expectContinue);
        if (queue.size() >= settings.maxPipelined() || ending.closing()) {
            updateReading();
        }
        return false;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writes.writabilityChanged(batch.open());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batch.complete(queue);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        batch.closed();
        timers.cancelAll();
        ending.closed();
        queue.destroyAll(abortOutcome());
        body.abort();
        dispatcher.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("Connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("Unexpected failure on the connection from {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
