package dev.spindle.host.internal.http.ws;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.function.Consumer;

import dev.spindle.host.internal.http.exchange.Hops;
import dev.spindle.api.WebSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Data path: the {@link WebSocket} a handler holds, over its {@link WebSocketConnection}. Calls
 * from any thread: the payload is framed on the caller's thread (from the channel's pooled
 * allocator), counted in the {@link SendBuffer} at once so that {@code send} can answer the
 * backpressure question, and written on the event loop, in call order (a reply sent while the
 * connection is reading is flushed with the others at the read's end).
 */
final class HandlerSocket implements WebSocket {

    private final WebSocketConnection connection;
    private final ChannelHandlerContext ctx;
    private volatile boolean paused;

    HandlerSocket(WebSocketConnection connection) {
        this.connection = connection;
        this.ctx = connection.ctx();
    }

    /** Runs {@code task} on the event loop: now if this is it, else in call order (dropped once the loop is gone). */
    private boolean onLoop(Runnable task) {
        return Hops.later(ctx.channel().eventLoop(), task);
    }

    @Override
    public boolean send(String text) {
        return send(text, null);
    }

    @Override
    public boolean send(String text, Consumer<Throwable> callback) {
        ByteBuf data = ByteBufUtil.writeUtf8(ctx.alloc(), text);
        return send(new TextWebSocketFrame(data), callback);
    }

    @Override
    public boolean send(byte[] data) {
        return send(data, null);
    }

    @Override
    public boolean send(byte[] data, Consumer<Throwable> callback) {
        return send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data)), callback);
    }

    @Override
    public boolean send(ByteBuffer data) {
        return send(data, null);
    }

    @Override
    public boolean send(ByteBuffer data, Consumer<Throwable> callback) {
        return send(new BinaryWebSocketFrame(Unpooled.copiedBuffer(data)), callback);
    }

    private boolean send(WebSocketFrame frame, Consumer<Throwable> callback) {
        int n = frame.content().readableBytes();
        boolean below = connection.sends().add(n);
        EventLoop loop = ctx.channel().eventLoop();
        if (loop.inEventLoop()) { // a reply from a listener, or a broadcast within the loop: no task to queue
            connection.send(frame, n, callback);
        } else if (!Hops.later(loop, () -> connection.send(frame, n, callback))) {
            // the server has shut down: the frame is dropped
            frame.release();
            connection.sends().written(n, callback, new ClosedChannelException(), connection.target());
        }
        return below;
    }

    @Override
    public long bufferedAmount() {
        return connection.sends().buffered();
    }

    @Override
    public WebSocket onDrain(Runnable listener) {
        connection.listeners().drain = listener;
        return this;
    }

    @Override
    public void ping(byte[] data) {
        ByteBuf payload = control(data);
        onLoop(() -> {
            if (connection.state() == ReadyState.OPEN) {
                ctx.writeAndFlush(new PingWebSocketFrame(payload));
            } else {
                payload.release();
            }
        });
    }

    @Override
    public void pong(byte[] data) {
        ByteBuf payload = control(data);
        onLoop(() -> {
            if (connection.state() == ReadyState.OPEN) {
                ctx.writeAndFlush(new PongWebSocketFrame(payload));
            } else {
                payload.release();
            }
        });
    }

    private static ByteBuf control(byte[] data) {
        if (data.length > 125) {
            throw new IllegalArgumentException("a control frame carries at most 125 bytes, not " + data.length);
        }
        return Unpooled.wrappedBuffer(data.clone());
    }

    @Override
    public void close() {
        close(NORMAL_CLOSURE, "");
    }

    @Override
    public void close(int code, String reason) {
        CloseCodes.check(code, reason);
        onLoop(() -> connection.startClose(code, reason));
    }

    @Override
    public void terminate() {
        onLoop(connection::terminate);
    }

    @Override
    public ReadyState readyState() {
        return connection.state();
    }

    @Override
    public String protocol() {
        return connection.protocol();
    }

    @Override
    public String extensions() {
        return connection.extensions();
    }

    @Override
    public WebSocket onMessage(MessageListener listener) {
        connection.listeners().message = listener;
        return this;
    }

    @Override
    public WebSocket onPing(Consumer<byte[]> listener) {
        connection.listeners().ping = listener;
        return this;
    }

    @Override
    public WebSocket onPong(Consumer<byte[]> listener) {
        connection.listeners().pong = listener;
        return this;
    }

    @Override
    public WebSocket onClose(CloseListener listener) {
        connection.listeners().close = listener;
        return this;
    }

    @Override
    public WebSocket onError(Consumer<Throwable> listener) {
        connection.listeners().error = listener;
        return this;
    }

    @Override
    public WebSocket pause() {
        paused = true;
        onLoop(() -> ctx.channel().config().setAutoRead(!paused));
        return this;
    }

    @Override
    public WebSocket resume() {
        paused = false;
        onLoop(() -> ctx.channel().config().setAutoRead(!paused));
        return this;
    }

    @Override
    public boolean isPaused() {
        return paused;
    }

    @Override
    public String toString() {
        return connection.toString();
    }
}
