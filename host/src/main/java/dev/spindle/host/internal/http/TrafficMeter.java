package dev.spindle.host.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Pipeline position: first, next to the socket. Counts the bytes each way, for the connection and
 * for the server, and when the connection last moved a byte. Counts only; never holds data.
 */
final class TrafficMeter extends ChannelDuplexHandler {

    private final EngineStats stats;
    volatile long lastActiveNanos = System.nanoTime();
    final long createdNanos = lastActiveNanos;

    TrafficMeter(EngineStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            stats.bytesIn.add(((ByteBuf) msg).readableBytes());
            lastActiveNanos = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            stats.bytesOut.add(((ByteBuf) msg).readableBytes());
            lastActiveNanos = System.nanoTime();
        }
        ctx.write(msg, promise);
    }
}
