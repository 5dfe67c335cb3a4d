package dev.spindle.host.internal.http;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Pipeline position: last, after the request decoder and {@link ResponseEncoder}. One per
 * connection: turns decoded requests into {@link Exchange}s, hands them to the
 * {@link Dispatcher}, writes responses in request order (pipelining), applies keep-alive and
 * flushes once per read batch. Everything here runs on the connection's event loop.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);
    private static final Pattern EXPECT_CONTINUE = Pattern.compile("(?:^|\\W)100-continue(?:$|\\W)", Pattern.CASE_INSENSITIVE);

    private final Dispatcher dispatcher;
    private final EngineSettings settings;
    private ChannelHandlerContext ctx;
    private final ArrayDeque<Exchange> unanswered = new ArrayDeque<>(4);
    private final RequestRules.Scan scan = new RequestRules.Scan();
    /** Answered exchanges whose responses are not yet known to be in the socket, in write order. */
    private final ArrayDeque<Exchange> written = new ArrayDeque<>(4);
    /** Sequence number of the last exchange added to {@link #written}. */
    private long writeSeq;
    /** The highest sequence number a pending flush marker covers. */
    private long markedSeq;
    /** While the exchanges a flush completed are finished: when that flush began; else 0. */
    private long finishedAtNanos;
    private Exchange receiving;
    private FullHttpResponse rejection;
    private ScheduledFuture<?> idleTimer;
    private long idleDeadline;
    private long idleTimerAt;
    private boolean inRead;
    private boolean flushPending;
    /** An exchange ended during the read batch: see at its end whether the connection is idle. */
    private boolean idleCheckPending;
    /** The write buffer filled or emptied during the read batch: see at its end where it stands. */
    private boolean writabilityPending;
    /** Whether the write buffer was full when the current read batch began. */
    private boolean fullAtBatchStart;
    /** The client sent more while its responses waited in a full write buffer: not reading until it catches up. */
    private boolean clientBehind;
    private boolean closing;
    private boolean reading = true;

    // for HttpServer.connections(): written on the event loop, read from anywhere
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    final long id = IDS.incrementAndGet();
    private volatile long requests;
    // counts kept here during a read batch and added to the server's totals at its end
    private long batchRequests;
    /** Since when the write buffer has been full without a break (ticker nanos), 0 while it is not. */
    private long unwritableSince;
    private ScheduledFuture<?> writeTimer;
    /** Why the host closed this connection, if it did: what exchanges cut off by it report. */
    private Outcome closeReason;
    private long batchStartNanos;
    private ResponseEncoder encoder;
    private RequestDecoder decoder;
    private final long[] batchResponses = new long[6];
    // a run of completed exchanges of one handler and one read batch, counted at the batch's end
    private RouteTarget tallyTarget;
    private long tallyStart;
    private int tallyCount;
    private final int[] tallyByStatus = new int[6];
    private volatile String state = "idle";
    // both are only shown by the shell: release stores, no fence per request
    private static final VarHandle REQUESTS = Fields.handle(MethodHandles.lookup(), "requests", long.class);
    private static final VarHandle STATE = Fields.handle(MethodHandles.lookup(), "state", String.class);

    private void setState(String s) {
        STATE.setRelease(this, s);
    }

    private final io.netty.util.AsciiString keepAliveValue;

    HttpConnection(Dispatcher dispatcher, EngineSettings settings) {
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.keepAliveValue = Response.keepAliveValue(settings.keepAliveTimeoutMillis());
    }

    // ---------------------------------------------------------------- for exchanges and requests

    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    boolean writable() {
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

    void onLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Runs a user callback; a callback that throws is logged and does not disturb the connection. */
    void invoke(Runnable callback) {
        try {
            callback.run();
        } catch (Throwable t) {
            LOG.warn("A request listener threw", t);
        }
    }

    /**
     * Writes one piece of {@code exchange}'s response, which is the oldest unanswered one. Only
     * pieces with a callback get a promise; the rest are written with the void promise (a failure
     * reaches {@link #exceptionCaught} and closes the connection). An exchange whose last piece is
     * written waits in {@link #written} until the flush that sends it has reached the socket.
     */
    void write(Exchange exchange, HttpObject msg, long bytes, Consumer<? super HttpException> callback, boolean last) {
        setState("writing");
        if (callback != null) {
            ctx.write(msg).addListener((ChannelFutureListener) done -> {
                exchange.invoke(callback, done.isSuccess() ? null
                        : new HttpException(HttpException.ERR_STREAM_DESTROYED, "the connection closed"));
                if (last) {
                    exchange.operationComplete(done);
                }
            });
        } else {
            ctx.write(msg, ctx.voidPromise());
            if (last) {
                exchange.writeSeq = ++writeSeq;
                written.add(exchange);
            }
        }
        exchange.response.handedOff(bytes, ctx.channel().isWritable());
        if (inRead) {
            flushPending = true;
        } else {
            flush();
        }
        if (last) {
            answered(exchange);
        }
    }

    /** Flushes, then finishes the exchanges whose responses are now all in the socket. */
    private void flush() {
        ctx.flush();
        if (written.isEmpty()) {
            return;
        }
        ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
        if (pending == null) {
            return; // closed: channelInactive destroys them
        }
        if (pending.isEmpty()) {
            // they ended with this flush: its time is theirs, no clock read per exchange
            finishedAtNanos = encoder != null ? encoder.lastActiveNanos : 0;
            try {
                finishWritten(writeSeq);
            } finally {
                finishedAtNanos = 0;
            }
        } else if (markedSeq != writeSeq) {
            // the socket is full: one marker completes after all that was written before it
            long upTo = writeSeq;
            markedSeq = upTo;
            ctx.write(Unpooled.EMPTY_BUFFER).addListener(done -> {
                if (done.isSuccess()) {
                    finishWritten(upTo);
                }
            });
            ctx.flush();
        }
    }

    /** The responses of the exchanges written up to {@code upTo} are in the socket: Node's {@code 'finish'}. */
    private void finishWritten(long upTo) {
        Exchange e;
        while ((e = written.peek()) != null && e.writeSeq <= upTo) {
            written.poll();
            e.operationComplete(null);
        }
    }

    /** The last piece of the oldest exchange is written: the next one may write, or the connection ends. */
    private void answered(Exchange exchange) {
        if (unanswered.peekFirst() == exchange) {
            unanswered.pollFirst();
        } else {
            unanswered.remove(exchange);
        }
        if (exchange.response.last() || (closing && unanswered.isEmpty())) {
            closeAfterFlush();
            return;
        }
        Exchange next = unanswered.peek();
        setState(next == null ? "idle" : "in handler");
        if (next != null) {
            next.activate();
        } else if (rejection != null) {
            reject();
        }
        if (!reading) {
            updateReading();
        }
    }

    /** How an exchange cut off by the end of this connection ended: the host's reason, or the client's doing. */
    Outcome abortOutcome() {
        return closeReason != null ? closeReason : Outcome.CLIENT_ABORTED;
    }

    /** Counts a response by its status class (0 when nothing was sent). */
    void responded(int status) {
        if (status == 0) {
            return;
        }
        if (inRead) {
            int statusClass = status / 100;
            batchResponses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0]++;
        } else {
            dispatcher.stats.response(status);
        }
    }

    /**
     * Counts an exchange that ended in its handler's numbers. Completed exchanges ending in a read
     * batch (pipelined requests answered by one flush) are counted in runs: one update of the
     * handler's counters per run instead of one per request.
     */
    void finished(RouteTarget target, Outcome outcome, int status, long startNanos) {
        if (!inRead || outcome != Outcome.COMPLETED) {
            long end = EngineStats.ENABLED ? (outcome == Outcome.COMPLETED ? endNanos() : System.nanoTime()) : 0;
            target.finished(outcome, status, EngineStats.ENABLED ? end - startNanos : -1, end);
            return;
        }
        if (target != tallyTarget || startNanos != tallyStart) {
            publishTally();
            tallyTarget = target;
            tallyStart = startNanos;
        }
        tallyCount++;
        if (status >= 200 && status < 600) {
            tallyByStatus[status / 100]++;
        }
    }

    private void publishTally() {
        if (tallyCount == 0) {
            return;
        }
        long end = 0;
        if (EngineStats.ENABLED) {
            long flushed = encoder != null ? encoder.lastActiveNanos : tallyStart - 1;
            end = flushed - tallyStart >= 0 ? flushed : System.nanoTime();
        }
        tallyTarget.finished(tallyCount, tallyByStatus[2], tallyByStatus[4], tallyByStatus[5], 0,
                EngineStats.ENABLED ? end - tallyStart : -1, end);
        tallyTarget = null;
        tallyCount = 0;
        Arrays.fill(tallyByStatus, 0);
    }

    private void publishRequests() {
        if (batchRequests != 0) {
            dispatcher.stats.requests.add(batchRequests);
            batchRequests = 0;
        }
    }

    /** Adds what this read batch counted to the server's totals. */
    private void publishCounts() {
        publishTally();
        publishRequests();
        for (int i = 0; i < batchResponses.length; i++) {
            if (batchResponses[i] != 0) {
                dispatcher.stats.responses(i, batchResponses[i]);
                batchResponses[i] = 0;
            }
        }
    }

    /** Called once an exchange's outcome is known. */
    void exchangeDone(Exchange exchange) {
        if (inRead) {
            idleCheckPending = true; // once for the whole batch, at its end
        } else {
            // a response finished outside a read batch may end while it is still the oldest
            // unanswered exchange (its flush completes before write() moves on): it counts as gone
            armIdleTimerIfIdle(exchange);
        }
    }

    private void armIdleTimerIfIdle(Exchange ending) {
        boolean noneOpen = unanswered.isEmpty() || unanswered.size() == 1 && unanswered.peek() == ending;
        if (noneOpen && receiving == null && !closing && ctx.channel().isActive()) {
            armIdleTimer(settings.keepAliveTimeoutMillis());
        }
    }

    /**
     * The server is shutting down: answer what was received, with {@code Connection: close}, then
     * close; an idle connection closes now.
     */
    void finishAndClose() {
        if (!ctx.channel().isActive()) {
            return;
        }
        closing = true;
        updateReading();
        if (unanswered.isEmpty()) {
            ctx.close();
        } else {
            for (Exchange e : unanswered) {
                e.response.closeAfter();
            }
        }
    }

    /** Stops reading, lets everything written so far go out, then closes. */
    void closeAfterFlush() {
        closing = true;
        updateReading();
        // an empty buffer completes after everything written before it
        long upTo = writeSeq;
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                finishWritten(upTo);
            }
            ctx.close();
        });
    }

    /** Whether the connection is reading now (auto-read on). */
    boolean reading() {
        return reading;
    }

    /** Reads on while there is room: not closing, few unanswered requests, no held-back body. */
    void updateReading() {
        boolean read = !closing && unanswered.size() < settings.maxPipelined()
                && (receiving == null || !receiving.request.holdsReading()) && !clientBehind;
        if (read != reading) {
            reading = read;
            ctx.channel().config().setAutoRead(read);
        }
    }

    /** Requests received on this connection. */
    long requests() {
        return requests;
    }

    /** {@code idle}, {@code reading}, {@code in handler} or {@code writing}. */
    String state() {
        return state;
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.encoder = ctx.pipeline().get(ResponseEncoder.class);
        this.decoder = ctx.pipeline().get(RequestDecoder.class);
    }

    /** When the current read batch began (System.nanoTime()), for latencies. */
    long batchStartNanos() {
        return inRead ? batchStartNanos : System.nanoTime();
    }

    /** Now, as cheaply as possible: the time of the flush whose exchanges are being finished, if any. */
    private long endNanos() {
        return finishedAtNanos != 0 ? finishedAtNanos : System.nanoTime();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        dispatcher.connectionOpened();
        if (dispatcher.openConnections() > settings.maxConnections()) {
            LOG.warn("More than {} connections: refusing {}", settings.maxConnections(), remoteAddress());
            closing = true;
            updateReading();
            ctx.write(bare(503));
            closeAfterFlush();
            return;
        }
        armIdleTimer(settings.headersTimeoutMillis());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!inRead) {
            inRead = true;
            batchStartNanos = decoder != null ? decoder.readNanos : System.nanoTime();
            fullAtBatchStart = !ctx.channel().isWritable();
        }
        if (msg instanceof HttpRequest) {
            onHead((HttpRequest) msg);
        }
        if (msg instanceof HttpContent) {
            onContent((HttpContent) msg);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpRequest head) {
        if (closing) {
            return;
        }
        cancelIdleTimer();
        if (head.decoderResult().isFailure()) {
            refuse(head.decoderResult().cause());
            return;
        }
        RequestRules.check(head, settings, scan);
        String why = scan.refusal;
        if (why != null) {
            refuse(why.startsWith("431") ? 431 : why.startsWith("413") ? 413 : 400, why);
            return;
        }
        boolean http11 = head.protocolVersion().equals(HttpVersion.HTTP_1_1);
        String expect = scan.expect;
        boolean expectContinue = http11 && expect != null && EXPECT_CONTINUE.matcher(expect).find();
        Request request = new Request(head, this, settings.maxBodyBytes());
        Exchange exchange = new Exchange(this, request, HttpUtil.isKeepAlive(head), expectContinue, keepAliveValue);
        unanswered.add(exchange);
        receiving = exchange;
        REQUESTS.setRelease(this, requests + 1);
        batchRequests++;
        setState("in handler");
        if (unanswered.size() == 1) {
            exchange.activate();
        }
        if (settings.responseTimeoutMillis() > 0) {
            exchange.deadline(settings.responseTimeoutMillis());
        }
        dispatcher.dispatch(exchange, http11 && expect != null && !expectContinue);
        if (unanswered.size() >= settings.maxPipelined() || closing) {
            updateReading();
        }
    }

    private void onContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            Throwable cause = content.decoderResult().cause();
            Exchange broken = receiving;
            receiving = null;
            if (broken != null && broken.response.headOpen() && unanswered.peek() == broken) {
                // nothing of its response went out yet: the malformed body gets a 400 instead
                unanswered.remove(broken);
                broken.destroy(Outcome.CLIENT_ABORTED);
                refuse(400, "malformed body: " + cause);
            } else {
                LOG.debug("Malformed request body from {}: {}", remoteAddress(), cause);
                closeAfterFlush();
            }
            return;
        }
        Exchange target = receiving;
        if (target == null) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            receiving = null;
        } else {
            if (target.response.headOpen()) {
                setState("reading");
            }
            if (!target.bodyTimerArmed && settings.requestTimeoutMillis() > 0) {
                armRequestTimeout(target);
            }
        }
        target.request.offer(content);
    }

    /** One timer per connection, moved forward rather than rescheduled per full-buffer episode. */
    private void writeCheck() {
        writeTimer = null;
        if (unwritableSince == 0 || !ctx.channel().isActive()) {
            return;
        }
        long left = unwritableSince + TimeUnit.MILLISECONDS.toNanos(settings.writeTimeoutMillis())
                - ctx.executor().ticker().nanoTime();
        if (left > 0) {
            writeTimer = ctx.executor().schedule(this::writeCheck, left, TimeUnit.NANOSECONDS);
        } else {
            LOG.debug("{} read nothing for {} ms: closing", remoteAddress(), settings.writeTimeoutMillis());
            closeReason = Outcome.TIMED_OUT;
            ctx.close();
        }
    }

    /**
     * A body still arriving when the request timeout runs out: 408 if nothing was answered yet,
     * else the connection closes (Node's {@code requestTimeout}).
     */
    private void armRequestTimeout(Exchange exchange) {
        exchange.bodyTimerArmed = true;
        ctx.executor().schedule(() -> {
            if (receiving != exchange || !ctx.channel().isActive()) {
                return; // the body is complete, or the connection is gone
            }
            LOG.debug("Request from {} not complete in {} ms", remoteAddress(), settings.requestTimeoutMillis());
            receiving = null;
            closeReason = Outcome.TIMED_OUT;
            if (exchange.response.headOpen() && unanswered.peek() == exchange) {
                unanswered.remove(exchange);
                exchange.destroy(Outcome.TIMED_OUT);
                refuse(408, "request timeout");
            } else {
                closeAfterFlush();
            }
        }, settings.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A request that never reaches a handler: answered as Node answers a parse error
     * ({@code 400}, {@code 414} or {@code 431} with {@code Connection: close}), after the responses
     * still owed on this connection, then the connection is closed.
     */
    private void refuse(Throwable cause) {
        int code;
        if (cause instanceof TooLongHttpLineException) {
            code = 414;
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            code = 431;
        } else {
            code = 400;
        }
        refuse(code, String.valueOf(cause));
    }

    private void refuse(int code, String why) {
        LOG.debug("Refused a request from {} with {}: {}", remoteAddress(), code, why);
        dispatcher.refused(code);
        closing = true;
        updateReading();
        rejection = bare(code);
        if (unanswered.isEmpty()) {
            reject();
        }
    }

    private void reject() {
        FullHttpResponse response = rejection;
        rejection = null;
        ctx.write(response);
        closeAfterFlush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        Exchange active = unanswered.peek();
        if (active != null && writable) {
            active.response.writable();
        }
        if (inRead) {
            writabilityPending = true; // settled at the end of the batch, after its flush
        } else {
            writabilitySettled(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void writabilitySettled(boolean writable) {
        // a client that does not read its responses gets writeTimeoutMillis to start reading
        // before the connection is closed
        if (writable) {
            unwritableSince = 0;
            if (clientBehind) {
                clientBehind = false;
                updateReading();
            }
        } else if (settings.writeTimeoutMillis() > 0) {
            if (unwritableSince == 0) {
                unwritableSince = ctx.executor().ticker().nanoTime();
            }
            if (writeTimer == null) {
                writeTimer = ctx.executor().schedule(this::writeCheck, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // requests are counted before their responses go out; the flush completes most responses
        // of the batch, still inside it, so they are counted once for all after it. A listener may
        // write more meanwhile: flushed by the next turn.
        publishRequests();
        while (flushPending) {
            flushPending = false;
            flush();
        }
        inRead = false;
        publishCounts();
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
            armIdleTimerIfIdle(null);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inRead = false;
        publishCounts();
        cancelIdleTimer();
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        if (writeTimer != null) {
            writeTimer.cancel(false);
        }
        closing = true;
        Exchange e;
        while ((e = written.poll()) != null) {
            e.destroy(abortOutcome());
        }
        while ((e = unanswered.poll()) != null) {
            e.destroy(abortOutcome());
        }
        if (receiving != null) {
            receiving.request.abort();
            receiving = null;
        }
        if (rejection != null) {
            rejection.release();
            rejection = null;
        }
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

    // ---------------------------------------------------------------- idle connections

    /**
     * Closes the connection if it stays idle for {@code millis}. One timer per connection, re-armed
     * by moving its deadline: no scheduling or cancelling per request.
     */
    private void armIdleTimer(long millis) {
        if (millis <= 0) {
            idleDeadline = 0;
            return;
        }
        idleDeadline = ctx.executor().ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        if (idleTimer != null && idleTimerAt - idleDeadline > 0) {
            idleTimer.cancel(false); // fires too late for the new deadline
            idleTimer = null;
        }
        if (idleTimer == null) {
            idleTimerAt = idleDeadline;
            idleTimer = ctx.executor().schedule(this::idleCheck, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelIdleTimer() {
        idleDeadline = 0;
    }

    private void idleCheck() {
        idleTimer = null;
        if (idleDeadline == 0 || !unanswered.isEmpty() || receiving != null) {
            return;
        }
        long left = idleDeadline - ctx.executor().ticker().nanoTime();
        if (left > 0) {
            idleTimerAt = idleDeadline;
            idleTimer = ctx.executor().schedule(this::idleCheck, left, TimeUnit.NANOSECONDS);
        } else if (decoder != null && decoder.holdsPartialHead()) {
            // a head started and never finished: tell the client, as Node's headersTimeout does
            LOG.debug("Request head from {} not complete in time: 408", remoteAddress());
            dispatcher.refused(408);
            closing = true;
            updateReading();
            ctx.write(bare(408));
            closeAfterFlush();
        } else {
            LOG.debug("Closing idle connection from {}", remoteAddress());
            ctx.close();
        }
    }

    /** A response of the host's own, with no body: {@code Connection: close}, as Node answers parse errors. */
    private static FullHttpResponse bare(int code) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                StatusCodes.status(code, StatusCodes.reason(code)), Unpooled.EMPTY_BUFFER);
        response.headers().set("Connection", "close");
        return response;
    }
}
