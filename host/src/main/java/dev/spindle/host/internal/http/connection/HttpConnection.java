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
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.Fields;
import dev.spindle.host.internal.http.exchange.RequestSource;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
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
 * {@link ResponseQueue}; its timers are in {@link ConnectionTimers}, its counts in a {@link BatchTally}.
 * Everything here runs on the connection's event loop.
 */
public final class HttpConnection extends ChannelInboundHandlerAdapter implements RequestSource, Exchange.Observer {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);
    private static final Pattern EXPECT_CONTINUE = Pattern.compile("(?:^|\\W)100-continue(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    private static final AtomicLong IDS = new AtomicLong();
    // shown by the shell only: release stores, no fence per request
    private static final VarHandle REQUESTS = Fields.handle(MethodHandles.lookup(), "requests", long.class);
    private static final VarHandle STATE = Fields.handle(MethodHandles.lookup(), "state", String.class);

    private final Dispatcher dispatcher;
    private final EngineSettings settings;
    private final BatchTally tally;
    private final AsciiString keepAliveValue;
    private final RequestGate gate = new RequestGate();
    private ChannelHandlerContext ctx;
    private ConnectionTimers timers;
    private FlushTracker flushes;
    private ResponseQueue queue;
    private ResponseEncoder encoder;
    private RequestDecoder decoder;
    private BodyIntake body;
    /** Why the host closed this connection, if it did: what exchanges cut off by it report. */
    private Outcome closeReason;
    private long batchStartNanos;
    private boolean inRead;
    /** An exchange ended during the read batch: see at its end whether the connection is idle. */
    private boolean idleCheckPending;
    /** The write buffer filled or emptied during the read batch: see at its end where it stands. */
    private boolean writabilityPending;
    private boolean fullAtBatchStart;
    /** The client sent more while its responses waited in a full write buffer: not reading until it catches up. */
    private boolean clientBehind;
    private boolean closing;
    /** The listener was replaced: the next request this connection receives is its last. */
    private boolean retiring;
    /** The server is shutting down: the connection closes once nothing is owed, its last response says so. */
    private boolean shuttingDown;
    private boolean reading = true;

    /** For {@code HttpServer.connections()}: written on the event loop, read from anywhere. */
    public final long id = IDS.incrementAndGet();
    private volatile long requests;
    private volatile String state = "idle";

    public HttpConnection(Dispatcher dispatcher, EngineSettings settings) {
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.tally = new BatchTally(dispatcher.stats());
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
        boolean read = !closing && queue.size() < settings.maxPipelined()
                && !body.holdsReading() && !clientBehind;
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

    // ---------------------------------------------------------------- for the response queue and the streams

    boolean inRead() {
        return inRead;
    }

    boolean closing() {
        return closing;
    }

    /** The server stops or the listener was replaced: the newest response when its head is fixed says it is the last. */
    boolean endingSoon() {
        return shuttingDown || retiring;
    }

    /** The head of the last response before the close is fixed: no request after it is read. */
    void lastBeforeClose() {
        closing = true;
        updateReading();
    }

    void flush() {
        flushes.flush();
        if (!inRead) {
            tally.bytes(0, encoder.takeBytesOut());
        }
    }

    /** How an exchange cut off by the end of this connection ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return closeReason != null ? closeReason : Outcome.CLIENT_ABORTED;
    }

    @Override
    public void exchangeDone(Exchange exchange, Outcome outcome) {
        Response res = exchange.response();
        int status = res.headOpen() ? 0 : res.statusCode();
        tally.responded(status);
        if (exchange.target() != null) {
            tally.finished(exchange.target(), outcome, status, exchange.startNanos(), flushes.finishedAtNanos());
        }
        if (inRead) {
            idleCheckPending = true; // once for the whole batch, at its end
        } else {
            // a response finished outside a read batch may end while it is still the oldest
            // unanswered exchange (its flush completes before write() moves on): it counts as gone
            idleIfNothingOpen(exchange);
        }
    }

    private void idleIfNothingOpen(Exchange ending) {
        boolean noneOpen = queue.onlyLeft(ending == null ? null : (Http1Stream) ending.sink());
        if (noneOpen && !body.arriving() && !closing && ctx.channel().isActive()) {
            if (shuttingDown) {
                if (!decoder.holdsPartialHead()) {
                    closeAfterFlush(); // else the request arriving is answered first
                }
            } else {
                timers.idle(settings.keepAliveTimeoutMillis());
            }
        }
    }

    /**
     * The server is shutting down (its listener is closed): an idle connection closes now; a busy
     * one (a request unanswered, a body or a head arriving) goes on reading and answering until
     * nothing is owed, its last response saying {@code Connection: close}. A request parked for a
     * route being replaced is answered {@code 503} now: no replacement reaches a stopping server.
     */
    public void shutdown() {
        if (!ctx.channel().isActive() || shuttingDown) {
            return;
        }
        shuttingDown = true;
        queue.answerParked();
        if (queue.isEmpty() && !body.arriving() && !closing && !decoder.holdsPartialHead()) {
            ctx.close();
        }
    }

    /**
     * The listener this connection came from was replaced: the newest response owed says
     * {@code Connection: close} if its head is still open, and the next request is answered with it
     * and is the last; an idle connection stays open until then or its keep-alive timeout.
     */
    public void closeAfterNextResponse() {
        retiring = true;
    }

    /**
     * The host ends what this connection serves for {@code target} (null: everything, at the
     * shutdown deadline) with {@code why}, as {@code Exchange.endFor} says; the connection closes
     * once what was written is flushed.
     */
    public void end(RouteTarget target, Outcome why) {
        if (ctx.channel().isActive() && (queue.endAll(target, why) | (target == null || flushes.holds(target)))) {
            closeFor(why);
        }
    }

    /** Stops reading, lets everything written so far go out, then closes. */
    void closeAfterFlush() {
        closing = true;
        updateReading();
        flushes.flushAndClose();
    }

    // ---------------------------------------------------------------- refusals

    /**
     * A request that never reaches a handler: answered as Node answers a parse error (the status
     * and {@code Connection: close}), after the responses still owed on this connection, then the
     * connection is closed.
     */
    void refuse(int status, String why) {
        LOG.debug("Refused a request from {} with {}: {}", remoteAddress(), status, why);
        tally.refused(status);
        closing = true;
        updateReading();
        timers.notIdle();
        queue.owe(status);
    }

    /** The body arriving is complete or given up: with its exchange already answered, the connection may be idle. */
    void bodyDone() {
        if (inRead) {
            idleCheckPending = true;
        } else {
            idleIfNothingOpen(null);
        }
    }

    /** The host ends the connection for {@code why}: what was written goes out, then it closes. */
    void closeFor(Outcome why) {
        closeReason = why;
        closeAfterFlush();
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.encoder = ctx.pipeline().get(ResponseEncoder.class);
        this.decoder = ctx.pipeline().get(RequestDecoder.class);
        this.flushes = new FlushTracker(ctx, encoder);
        this.queue = new ResponseQueue(this, ctx, flushes);
        this.timers = new ConnectionTimers(ctx.executor(), this::idleExpired, this::requestExpired, this::writeExpired);
        this.body = new BodyIntake(this, queue, settings, timers);
    }

    /** Taken out of the pipeline (the connection turned to HTTP/2): its timers go with it. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timers.cancelAll();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        dispatcher.connectionOpened();
        if (dispatcher.openConnections() > settings.maxConnections()) {
            LOG.warn("More than {} connections: refusing {}", settings.maxConnections(), remoteAddress());
            closing = true; // a refused connection, not a refused request: not counted as one
            updateReading();
            queue.owe(503);
            return;
        }
        timers.idle(settings.headersTimeoutMillis());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!inRead) {
            inRead = true;
            tally.begin();
            batchStartNanos = decoder.readNanos();
            fullAtBatchStart = !ctx.channel().isWritable();
        }
        if (msg instanceof HttpRequest) {
            onHead((HttpRequest) msg);
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

    private void onHead(HttpRequest head) {
        if (closing) {
            return;
        }
        timers.notIdle();
        int refused = gate.check(head, decoder, settings);
        if (refused != 0) {
            refuse(refused, gate.refusal);
            return;
        }
        boolean http11 = head.protocolVersion().equals(HttpVersion.HTTP_1_1);
        String expect = gate.expect;
        boolean expectContinue = http11 && expect != null && EXPECT_CONTINUE.matcher(expect).find();
        Http1Stream stream = new Http1Stream(this, queue, ctx.channel().eventLoop(), keepAliveValue);
        Exchange exchange = new Exchange(head, this, stream, this, HttpUtil.isKeepAlive(head), settings.maxBodyBytes(),
                expectContinue, batchStartNanos);
        stream.bind(exchange);
        if (retiring) {
            exchange.response().closeAfter();
            closing = true;
        }
        queue.add(stream);
        body.start(stream);
        REQUESTS.setRelease(this, requests + 1);
        tally.request();
        setState("in handler");
        if (settings.responseTimeoutMillis() > 0) {
            exchange.deadline(settings.responseTimeoutMillis());
        }
        dispatcher.dispatch(exchange, http11 && expect != null && !expectContinue);
        if (queue.size() >= settings.maxPipelined() || closing) {
            updateReading();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        Http1Stream active = queue.oldest();
        if (active != null && writable) {
            active.exchange().response().writable();
        }
        if (inRead) {
            writabilityPending = true; // settled at the end of the batch, after its flush
        } else {
            writabilitySettled(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** A client that does not read its responses gets writeTimeoutMillis to start before it is closed. */
    private void writabilitySettled(boolean writable) {
        if (writable) {
            timers.writeFlowing();
            if (clientBehind) {
                clientBehind = false;
                updateReading();
            }
        } else if (settings.writeTimeoutMillis() > 0) {
            timers.writeBlocked(settings.writeTimeoutMillis());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // requests are counted before their responses go out; the flush completes most responses
        // of the batch, still inside it, so they are counted once for all after it. A listener may
        // write more meanwhile: flushed by the next turn.
        tally.publishRequests();
        queue.flushBatch();
        inRead = false;
        tally.publish(decoder.takeBytesIn(), encoder.takeBytesOut(), encoder.lastActiveNanos);
        boolean writable = ctx.channel().isWritable();
        if (writabilityPending) {
            writabilityPending = false;
            writabilitySettled(writable);
        }
        if (fullAtBatchStart && !writable && !clientBehind) {
            // more requests while earlier responses still wait in a full buffer: stop reading
            // until the client takes them (a client that reads its responses in time never
            // gets here, and reading is not switched off and on for every large response)
            clientBehind = true;
            updateReading();
        }
        if (idleCheckPending) {
            idleCheckPending = false;
            idleIfNothingOpen(null);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inRead = false;
        tally.publish(decoder.takeBytesIn(), encoder.takeBytesOut(), 0);
        timers.cancelAll();
        closing = true;
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

    // ---------------------------------------------------------------- timers expired

    /** Nothing was unanswered for the idle time: close, with a 408 for a head that never completed. */
    private void idleExpired() {
        if (!queue.isEmpty() || body.arriving() || closing) {
            return;
        }
        if (decoder.holdsPartialHead()) {
            refuse(408, "request head not complete in time"); // as Node's headersTimeout does
        } else {
            LOG.debug("Closing idle connection from {}", remoteAddress());
            ctx.close();
        }
    }

    /** A body still arriving when the request timeout runs out: 408 or a close (Node's {@code requestTimeout}). */
    private void requestExpired() {
        if (ctx.channel().isActive() && body.arriving()) {
            closeReason = Outcome.TIMED_OUT;
            body.expired();
        }
    }

    /** The client read nothing for the write timeout. */
    private void writeExpired() {
        if (ctx.channel().isActive() && !ctx.channel().isWritable()) {
            LOG.debug("{} read nothing for {} ms: closing", remoteAddress(), settings.writeTimeoutMillis());
            closeReason = Outcome.TIMED_OUT;
            ctx.close();
        }
    }
}
