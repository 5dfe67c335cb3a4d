package dev.spindle.host.internal.http;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.DecoderResult;
import io.netty.util.ByteProcessor;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
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
        this.maxHeadBytes = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
    }

    /** Whether the next bytes start a request head (not a body). */
    private boolean inHead = true;
    private final int maxHeadBytes;

    /**
     * Holds a request head back until it is complete, so that it can be checked as a whole before
     * Netty's decoder (which folds obs-fold continuation lines silently) parses it: a head with an
     * obs-fold line is refused with 400, as llhttp does.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        boolean folded = false;
        if (inHead) {
            scanner.reset();
            int end = buffer.forEachByte(scanner);
            if (end < 0 && buffer.readableBytes() <= maxHeadBytes) {
                return; // wait for the rest of the head
            }
            folded = end >= 0 && scanner.folded;
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest) {
                inHead = false;
                if (folded) {
                    ((HttpRequest) o).setDecoderResult(DecoderResult.failure(
                            new IllegalArgumentException("obs-fold line in the request head")));
                }
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
            }
        }
    }

    private final HeadScanner scanner = new HeadScanner();

    /** Whether part of a request head has arrived and waits for the rest (a slow or stalled client). */
    boolean holdsPartialHead() {
        return inHead && internalBuffer().isReadable();
    }

    /** One pass over a head: stops at its blank line, notes a line that starts with a space or tab. */
    private static final class HeadScanner implements ByteProcessor {
        private static final int IN_LINE = 0;
        private static final int LINE_START = 1;
        private static final int AFTER_CR = 2;
        private int state;
        boolean folded;

        void reset() {
            state = IN_LINE;
            folded = false;
        }

        @Override
        public boolean process(byte b) {
            switch (state) {
                case LINE_START:
                    if (b == '\n') {
                        return false;
                    }
                    if (b == ' ' || b == '\t') {
                        folded = true;
                    }
                    state = b == '\r' ? AFTER_CR : IN_LINE;
                    return true;
                case AFTER_CR:
                    if (b == '\n') {
                        return false;
                    }
                    state = IN_LINE;
                    return true;
                default:
                    if (b == '\n') {
                        state = LINE_START;
                    }
                    return true;
            }
        }
    }

    /**
     * Netty would drop the Content-Length and go on; a request with both is a smuggling attempt or
     * a broken client, refused with 400 as llhttp does.
     */
    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding");
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
