package dev.spindle.host.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Pipeline position: first, next to the socket. Counts the bytes each way and when the connection
 * last moved a byte. Counts in plain fields (a connection is one thread) and adds them to the
 * server's totals once per read batch and flush, not per buffer. Never holds data.
 */
final class TrafficMeter extends ChannelDuplexHandler {

    private final EngineStats stats;
    private long in;
    private long out;
    volatile long lastActiveNanos = System.nanoTime();
    final long createdNanos = lastActiveNanos;

    TrafficMeter(EngineStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            in += ((ByteBuf) msg).readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        publish();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            out += ((ByteBuf) msg).readableBytes();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        publish();
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        publish();
        ctx.fireChannelInactive();
    }

    private void publish() {
        if (in != 0) {
            stats.bytesIn.add(in);
            in = 0;
        }
        if (out != 0) {
            stats.bytesOut.add(out);
            out = 0;
        }
        lastActiveNanos = System.nanoTime();
    }
}
