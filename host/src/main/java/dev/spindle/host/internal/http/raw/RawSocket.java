package dev.spindle.host.internal.http.raw;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.exchange.Hops;
import dev.spindle.api.UpgradedSocket;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;

/**
 * Pipeline position: in place of the request decoder on a connection a {@link RawUpgrade} took
 * over, the only handler left besides TLS. The upgrade handler's {@link UpgradedSocket}: bytes in
 * to its data listener (held, with reading stopped, until it sets one), bytes out as they are,
 * the channel's write buffer as backpressure (64 KiB high-water mark), and the socket counted
 * in flight on its handler until it closes.
 */
final class RawSocket extends ChannelInboundHandlerAdapter implements UpgradedSocket, Upgrade.Served {

    private static final Logger LOG = LoggerFactory.getLogger(RawSocket.class);
    static final int HIGH_WATER_MARK = 64 * 1024;

    private final RouteTarget target;
    private final RequestMethod method;
    private final Dispatcher dispatcher;
    private ChannelHandlerContext ctx;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private volatile Consumer<byte[]> data;
    private volatile Runnable close;
    private volatile Runnable drain;
    private volatile boolean paused;
    private boolean counted = true;
    private boolean drainOwed;

    /** @param method the method of the request whose connection the handler took over */
    RawSocket(RouteTarget target, RequestMethod method, Dispatcher dispatcher) {
        this.target = target;
        this.method = method;
        this.dispatcher = dispatcher;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(HIGH_WATER_MARK / 2, HIGH_WATER_MARK));
        ctx.channel().config().setAutoRead(false); // until a data listener is set
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            byte[] bytes = ByteBufUtil.getBytes(in);
            Consumer<byte[]> l = data;
            if (l == null || !held.isEmpty()) {
                held.add(bytes);
                ctx.channel().config().setAutoRead(false);
            } else {
                run(() -> l.accept(bytes), "onData");
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && drainOwed) {
            drainOwed = false;
            Runnable l = drain;
            if (l != null) {
                run(l, "onDrain");
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Upgraded connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted) {
            counted = false;
            target.socketClosed();
        }
        dispatcher.connectionClosed();
        Runnable l = close;
        if (l != null) {
            run(l, "onClose");
        }
    }

    @Override
    public void end(RouteTarget which) {
        if (which == null || which == target) {
            ctx.close();
        }
    }

    private void run(Runnable listener, String which) {
        try {
            listener.run();
        } catch (Throwable t) {
            target.listenerFailed(method);
            if (target.thrown().first(t)) {
                LOG.warn("The {} listener of upgrade handler service {} threw", which, target.serviceId(), t);
            }
        }
    }

    /** Runs {@code task} on the event loop: now if this is it, else in call order (dropped once the loop is gone). */
    private void onLoop(Runnable task) {
        Hops.later(ctx.channel().eventLoop(), task);
    }

    // ---------------------------------------------------------------- UpgradedSocket

    @Override
    public boolean write(byte[] bytes) {
        return write(bytes, null);
    }

    @Override
    public boolean write(byte[] bytes, Consumer<Throwable> callback) {
        onLoop(() -> {
            var f = ctx.writeAndFlush(Unpooled.wrappedBuffer(bytes));
            if (callback != null) {
                f.addListener(done -> run(() -> callback.accept(done.cause()), "write callback"));
            }
            if (!ctx.channel().isWritable()) {
                drainOwed = true;
            }
        });
        return ctx.channel().bytesBeforeUnwritable() > bytes.length;
    }

    @Override
    public boolean write(String text) {
        return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public void end() {
        onLoop(() -> ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE));
    }

    @Override
    public void destroy() {
        onLoop(ctx::close);
    }

    @Override
    public UpgradedSocket onData(Consumer<byte[]> listener) {
        data = listener;
        onLoop(() -> {
            while (!held.isEmpty() && data != null) {
                byte[] bytes = held.poll();
                run(() -> data.accept(bytes), "onData");
            }
            ctx.channel().config().setAutoRead(!paused);
        });
        return this;
    }

    @Override
    public UpgradedSocket onClose(Runnable listener) {
        close = listener;
        return this;
    }

    @Override
    public UpgradedSocket onDrain(Runnable listener) {
        drain = listener;
        return this;
    }

    @Override
    public UpgradedSocket pause() {
        paused = true;
        onLoop(() -> ctx.channel().config().setAutoRead(false));
        return this;
    }

    @Override
    public UpgradedSocket resume() {
        paused = false;
        onLoop(() -> ctx.channel().config().setAutoRead(data != null && held.isEmpty()));
        return this;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return inet(ctx.channel().remoteAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return inet(ctx.channel().localAddress());
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    @Override
    public String toString() {
        return "upgraded connection from " + ctx.channel().remoteAddress() + " served by " + target.serviceId();
    }
}
