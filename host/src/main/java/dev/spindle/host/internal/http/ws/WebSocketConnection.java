package dev.spindle.host.internal.http.ws;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.WebSocket;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.UpgradeRequest;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Pipeline position: last on a connection the {@link WebSocketUpgrade} turned into a WebSocket,
 * after Netty's frame decoder, the optional deflate codec, the UTF-8 validator, the message
 * aggregator and the idle timer. It answers the handshake it is handed, then serves the handler's
 * {@link WebSocket} (a {@link HandlerSocket}): whole messages to its listeners, pings answered,
 * the closing handshake with its timeout, and the counts {@code spindle:sockets} shows. Protocol errors are Netty's
 * to answer (it sends the close frame: 1002, 1007, 1009); this class adds the 1009 of a message
 * over the aggregator's limit. State changes happen on the connection's event loop.
 */
public final class WebSocketConnection extends ChannelInboundHandlerAdapter implements Upgrade.Served {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle STATE;
    private static final VarHandle MESSAGES_IN;
    private static final VarHandle BYTES_IN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(WebSocketConnection.class, "state", WebSocket.ReadyState.class);
            MESSAGES_IN = lookup.findVarHandle(WebSocketConnection.class, "messagesIn", long.class);
            BYTES_IN = lookup.findVarHandle(WebSocketConnection.class, "bytesIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    private final long openedNanos = System.nanoTime();
    private final RouteTarget target;
    private final UpgradeRequest request;
    private final WebSocketServerHandshaker handshaker;
    private final WebSocketSettings settings;
    private final Dispatcher dispatcher;
    private final SendBuffer sends;
    private final SocketListeners listeners = new SocketListeners();
    private ChannelHandlerContext ctx;
    private volatile WebSocket.ReadyState state = WebSocket.ReadyState.CONNECTING;
    private volatile String protocol = "";
    private volatile String extensions = "";
    private boolean closeSent;
    private int closeCode = WebSocket.ABNORMAL_CLOSURE;
    private String closeReason = "";
    private boolean counted;
    private ScheduledFuture<?> closeTimer;
    /** Inside a read of this connection: the frames sent meanwhile are flushed once at its end. */
    private boolean reading;
    private boolean flushOwed;
    /** Written on the event loop only, opaque (no fence per message), read by the shell. */
    private long messagesIn;
    private long bytesIn;

    WebSocketConnection(RouteTarget target, UpgradeRequest request, WebSocketServerHandshaker handshaker,
            WebSocketSettings settings, Dispatcher dispatcher) {
        this.target = target;
        this.request = request;
        this.handshaker = handshaker;
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.sends = new SendBuffer(settings.highWaterMarkBytes(), listeners);
        this.counted = true; // the upgrade counted this socket in on its target
    }

    // ---------------------------------------------------------------- for the engine and the shell

    /**
     * One open WebSocket as the shell shows it.
     *
     * @param ageNanos since the socket opened
     * @param buffered bytes sent and not yet written
     */
    public record Snapshot(long id, java.net.InetSocketAddress remote, String path, long serviceId, long ageNanos,
            long messagesIn, long bytesIn, long messagesOut, long bytesOut, long buffered) {
    }

    /** This socket now (its counters are read without a lock: each may be a moment old). */
    public Snapshot snapshot() {
        java.net.SocketAddress remote = ctx.channel().remoteAddress();
        return new Snapshot(id, remote instanceof java.net.InetSocketAddress ? (java.net.InetSocketAddress) remote : null,
                request.path(), target.serviceId(), System.nanoTime() - openedNanos, (long) MESSAGES_IN.getOpaque(this),
                (long) BYTES_IN.getOpaque(this),
                sends.messagesOut(), sends.bytesOut(), sends.buffered());
    }

    /** The handler serving this socket. */
    RouteTarget target() {
        return target;
    }

    /**
     * What {@code target} serves (null: everything) ends: the socket is closed with
     * {@link #WebSocket.GOING_AWAY 1001}, as the {@code ws} package's server does when it closes. On the event loop.
     */
    @Override
    public void end(RouteTarget which) {
        if (which == null || which == target) {
            startClose(WebSocket.GOING_AWAY, "going away");
        }
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            handshake((FullHttpRequest) msg);
            return;
        }
        reading = true;
        try {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ByteBuf data = ((WebSocketFrame) msg).content();
                int n = data.readableBytes();
                WebSocket.Message m = msg instanceof TextWebSocketFrame ? WebSocket.Message.text(((TextWebSocketFrame) msg).text())
                        : WebSocket.Message.binary(ByteBufUtil.getBytes(data));
                MESSAGES_IN.setOpaque(this, messagesIn + 1);
                BYTES_IN.setOpaque(this, bytesIn + n);
                listeners.message(m, target);
            } else if (msg instanceof PingWebSocketFrame) {
                byte[] data = ByteBufUtil.getBytes(((PingWebSocketFrame) msg).content());
                if (!closeSent) {
                    ctx.writeAndFlush(new PongWebSocketFrame(Unpooled.wrappedBuffer(data)));
                }
                listeners.ping(data, target);
            } else if (msg instanceof PongWebSocketFrame) {
                listeners.pong(ByteBufUtil.getBytes(((PongWebSocketFrame) msg).content()), target);
            } else if (msg instanceof CloseWebSocketFrame) {
                closeReceived((CloseWebSocketFrame) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Answers the upgrade with 101 (Netty's handshaker swaps the HTTP codec for its frame codec), then opens. */
    private void handshake(FullHttpRequest head) {
        Channel ch = ctx.channel();
        try {
            handshaker.handshake(ch, head, null, ch.newPromise()).addListener(f -> {
                if (!f.isSuccess()) {
                    LOG.debug("WebSocket handshake with {} failed: {}", ch.remoteAddress(), f.cause().toString());
                    ch.close();
                    return;
                }
                dispatcher.switched(target, RequestMethod.GET);
                opened();
            });
        } finally {
            head.release();
        }
    }

    private void opened() {
        // Netty put its frame encoder where the HTTP encoder was, after the frame decoder: the close
        // frames the decoder and the UTF-8 validator write on a violation would miss it
        ChannelPipeline p = ctx.pipeline();
        p.remove("wsencoder");
        p.addBefore("wsdecoder", "wsencoder", new WebSocket13FrameEncoder(false));
        protocol = handshaker.selectedSubprotocol() == null ? "" : handshaker.selectedSubprotocol();
        extensions = ctx.pipeline().get(WebSocketExtensionDecoder.class) != null ? "permessage-deflate" : "";
        STATE.setRelease(this, WebSocket.ReadyState.OPEN);
        try {
            target.webSocketHandler().open(request, new HandlerSocket(this));
        } catch (Throwable t) {
            target.thrown().first(t);
            LOG.warn("WebSocket handler service {} failed to open {}: closing with 1011", target.serviceId(), request, t);
            startClose(WebSocket.INTERNAL_ERROR, "");
        }
    }

    private void closeReceived(CloseWebSocketFrame frame) {
        int code = frame.statusCode();
        closeCode = code < 0 ? WebSocket.NO_STATUS_RECEIVED : code;
        closeReason = code < 0 ? "" : frame.reasonText();
        STATE.setRelease(this, WebSocket.ReadyState.CLOSING);
        if (closeSent) {
            flushOwed();
            ctx.close(); // the answer to our close: the handshake is complete
        } else {
            closeSent = true;
            CloseWebSocketFrame echo = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
            ctx.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The read ends: one flush for every frame the handler sent during it (as Vert.x and Netty's own handlers batch). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        flushOwed();
        ctx.fireChannelReadComplete();
    }

    /**
     * Flushes the frames the handler sent during this read: before the connection closes (a close
     * drops what was written and not flushed) and at the read's end.
     */
    private void flushOwed() {
        if (flushOwed) {
            flushOwed = false;
            ctx.flush();
            sends.closeBatch(ctx, true, target);
        }
    }

    /**
     * Writes a message of {@code n} payload bytes the handler sent (counted in the {@link SendBuffer}
     * already), or drops it if the socket is no longer open; its callback learns which. During a
     * read of this connection (a reply from its message listener) the flush waits for the read's
     * end and, without a callback, the message is accounted with the read's batch; otherwise it is
     * flushed now. On the event loop.
     */
    void send(WebSocketFrame frame, int n, Consumer<Throwable> callback) {
        if (state != WebSocket.ReadyState.OPEN) {
            frame.release();
            sends.written(n, callback, new ClosedChannelException(), target);
        } else {
            sends.write(ctx, frame, n, callback, reading, target);
            flushOwed |= reading;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (((IdleStateEvent) evt).isFirst()) {
                ctx.writeAndFlush(new PingWebSocketFrame());
            } else {
                LOG.debug("WebSocket {} from {} answered no ping: closing", id, ctx.channel().remoteAddress());
                flushOwed();
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException) {
            // Netty flushed the frames sent before with its close frame and closes the connection once
            // they are written; closing now would drop what the socket did not take yet
            closeSent = true;
            closeCode = ((CorruptedWebSocketFrameException) cause).closeStatus().code();
            closeReason = ((CorruptedWebSocketFrameException) cause).closeStatus().reasonText();
            STATE.setRelease(this, WebSocket.ReadyState.CLOSING);
            listeners.error(cause, target);
            flushOwed();
            closeWithinTimeout();
        } else if (cause instanceof TooLongFrameException || cause instanceof DecompressionException) {
            // a message over the aggregator's limit, or a frame that inflates over the deflate codec's
            listeners.error(cause, target);
            startClose(WebSocket.MESSAGE_TOO_BIG, "message too big");
        } else {
            LOG.debug("WebSocket {} from {} failed: {}", id, ctx.channel().remoteAddress(), cause.toString());
            listeners.error(cause, target);
            flushOwed();
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        flushOwed(); // fails the writes of a read the close cut short: their bytes leave bufferedAmount
        STATE.setRelease(this, WebSocket.ReadyState.CLOSED);
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
        if (counted) {
            counted = false;
            target.socketClosed();
        }
        dispatcher.connectionClosed();
        listeners.close(closeCode, closeReason, target);
        ctx.fireChannelInactive();
    }

    /** Sends a close frame (once) and gives the peer the close timeout to answer it. On the event loop. */
    void startClose(int code, String reason) {
        if (closeSent || state == WebSocket.ReadyState.CLOSED) {
            return;
        }
        closeSent = true;
        closeCode = code;
        closeReason = reason;
        STATE.setRelease(this, WebSocket.ReadyState.CLOSING);
        flushOwed(); // the frames sent before go out first
        ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
        closeWithinTimeout();
    }

    /** The connection closes after the close timeout at the latest (the peer may never read nor answer). */
    private void closeWithinTimeout() {
        if (closeTimer != null || !ctx.channel().isActive()) {
            return;
        }
        closeTimer = ctx.executor().schedule(() -> {
            LOG.debug("WebSocket {} from {} did not answer its close in {} ms: closing", id,
                    ctx.channel().remoteAddress(), settings.closeTimeoutMillis());
            ctx.close();
        }, settings.closeTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes at once, without a closing handshake: the handler's {@code onClose} gets 1006. On the event loop. */
    void terminate() {
        closeCode = WebSocket.ABNORMAL_CLOSURE;
        closeReason = "";
        flushOwed(); // what the handler sent before still goes out, as far as the socket takes it now
        ctx.close();
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    WebSocket.ReadyState state() {
        return state;
    }

    String protocol() {
        return protocol;
    }

    String extensions() {
        return extensions;
    }

    SendBuffer sends() {
        return sends;
    }

    SocketListeners listeners() {
        return listeners;
    }

    @Override
    public String toString() {
        return "WebSocket " + id + " " + request.path() + " (" + state + ")";
    }
}
