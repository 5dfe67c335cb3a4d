package dev.spindle.host.internal.http;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.AsciiString;

/**
 * Pipeline position: first, next to the socket. Netty's request decoder, counting the bytes read
 * in a plain field (a connection is one thread) that goes to the server's total once per read
 * batch, with the time the connection last read. Beyond Netty's: a head with an obs-fold line is
 * refused, common header names are shared ({@link HeaderNames}), and a request without a body goes
 * on as one {@link FullHttpRequest}.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private final EngineStats stats;
    private long in;
    volatile long lastActiveNanos = System.nanoTime();
    final long createdNanos = lastActiveNanos;
    /** When the current read batch began ({@code System.nanoTime()}). */
    long readNanos = createdNanos;

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
            int end = scanHead(buffer);
            if (end == INCOMPLETE) {
                if (buffer.readableBytes() <= maxHeadBytes) {
                    return; // wait for the rest of the head
                }
            } else {
                folded = end == FOLDED;
            }
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
        if (out.size() - before == 2 && out.get(before + 1) == LastHttpContent.EMPTY_LAST_CONTENT) {
            Object head = out.get(before);
            if (head instanceof HttpRequest && !(head instanceof FullHttpRequest)
                    && ((HttpRequest) head).decoderResult().isSuccess()) {
                out.set(before, whole((HttpRequest) head));
                out.remove(before + 1);
            }
        }
    }

    /**
     * A request without a body as one message instead of its head and an empty last content: one
     * trip through the pipeline per request rather than two.
     */
    private static FullHttpRequest whole(HttpRequest head) {
        FullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
        whole.setDecoderResult(head.decoderResult());
        return whole;
    }

    static final int INCOMPLETE = -1;
    static final int COMPLETE = 0;
    static final int FOLDED = 1;

    /**
     * Looks for the blank line that ends the head at the start of {@code buffer}, jumping from one
     * line feed to the next (Netty's word-at-a-time search), and notes a line that starts with a
     * space or tab on the way.
     */
    static int scanHead(ByteBuf buffer) {
        int to = buffer.writerIndex();
        int from = buffer.readerIndex();
        boolean folded = false;
        while (true) {
            int lf = buffer.indexOf(from, to, (byte) '\n');
            if (lf < 0 || lf + 1 >= to) {
                return INCOMPLETE;
            }
            int next = lf + 1;
            byte b = buffer.getByte(next);
            if (b == '\n') {
                return folded ? FOLDED : COMPLETE;
            }
            if (b == '\r') {
                if (next + 1 >= to) {
                    return INCOMPLETE;
                }
                if (buffer.getByte(next + 1) == '\n') {
                    return folded ? FOLDED : COMPLETE;
                }
            } else if (b == ' ' || b == '\t') {
                folded = true;
            }
            from = next;
        }
    }

    /** Common names come from {@link HeaderNames}: no copy, no new hash, no new check per request. */
    @Override
    protected AsciiString splitHeaderName(byte[] bytes, int start, int length) {
        AsciiString known = HeaderNames.find(bytes, start, length);
        return known != null ? known : super.splitHeaderName(bytes, start, length);
    }

    /** Whether part of a request head has arrived and waits for the rest (a slow or stalled client). */
    boolean holdsPartialHead() {
        return inHead && internalBuffer().isReadable();
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
            if (in == 0) {
                // the first read of a batch: the one clock read the connection's batch shares
                readNanos = System.nanoTime();
            }
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
            lastActiveNanos = readNanos;
        }
    }
}
