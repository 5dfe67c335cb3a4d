package dev.spindle.host.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Pipeline position: first, next to the socket. Netty's request decoder, counting the bytes read
 * in a plain field (a connection is one thread) that goes to the server's total once per read
 * batch, with the time the connection last read.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private final EngineStats stats;
    private long in;
    volatile long lastActiveNanos = System.nanoTime();
    final long createdNanos = lastActiveNanos;

    RequestDecoder(HttpDecoderConfig config, EngineStats stats) {
        super(config);
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf) {
            in += ((ByteBuf) msg).readableBytes();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        publish();
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        publish();
        super.channelInactive(ctx);
    }

    private void publish() {
        if (in != 0) {
            stats.bytesIn.add(in);
            in = 0;
            lastActiveNanos = System.nanoTime();
        }
    }
}
