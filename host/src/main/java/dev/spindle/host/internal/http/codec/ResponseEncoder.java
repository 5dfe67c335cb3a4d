package dev.spindle.host.internal.http.codec;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Pipeline position: after the request decoder, before the connection handler. Netty's response
 * encoder, told by each {@link OutgoingHead} whether a body may follow, and leaving the headers
 * exactly as the response writer set them: the writer already applied Node's framing rules, so
 * nothing may be added or stripped here. Counts the bytes it encodes in a plain field that the
 * connection takes once per read batch.
 *
 * <p>Whole responses with a fixed-length body (the common {@code end(data)}) written one after
 * another, as pipelined requests are answered, go into one buffer until the flush instead of a
 * buffer each: one allocation, one pipeline write and one socket vector per batch rather than per
 * response. Every other message first hands that buffer on, so the order on the wire is the order
 * of the writes; the encoder's own state is untouched, as a whole message leaves it where it was.
 *
 * <p>Chunks of a chunked body that come with room around their data ({@link OutgoingHead.Chunk})
 * are framed in that room, one buffer each instead of Netty's three; the head, the last chunk and
 * its trailers still go through Netty's encoder, which keeps its state for them.
 */
public final class ResponseEncoder extends HttpResponseEncoder {

    private static final int CRLF = ('\r' << 8) | '\n';
    /** A body up to this size is copied after its head; a larger one follows as its own buffer. */
    public static final int COPY_LIMIT = 1024;
    /** The batch buffer's size: it goes on when the next head might not fit. */
    public static final int BATCH_BYTES = 4096;
    private static final int HEAD_ESTIMATE = 256;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private long out;
    /** When the last flush began ({@code System.nanoTime()}). */
    public volatile long lastActiveNanos = System.nanoTime();
    /** The lines of the head being encoded now. */
    private HeaderLines lines;
    /** Whole responses written since the last flush, not yet handed on. */
    private ByteBuf batch;
    /** A streamed message is between its head and its last content: nothing may be batched. */
    private boolean streaming;
    /** The streamed message's body is chunked (Netty's rule, as its encoder decides the framing). */
    private boolean chunking;


    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof OutgoingHead.Whole) {
            OutgoingHead.Whole whole = (OutgoingHead.Whole) msg;
            if (!streaming && !whole.chunked()) {
                append(ctx, whole, promise);
                return;
            }
            if (whole.text() != null) {
                msg = whole.withContent(ctx.alloc()); // Netty's encoder takes bytes
            }
        }
        handOn(ctx);
        if (chunking && msg instanceof OutgoingHead.Chunk && ((OutgoingHead.Chunk) msg).content().isReadable()) {
            writeChunk(ctx, ((OutgoingHead.Chunk) msg).content(), promise);
            return;
        }
        if (msg instanceof HttpMessage && !(msg instanceof LastHttpContent)) {
            streaming = true;
            // the framing Netty's encoder chooses for what follows: it writes the last chunk
            chunking = msg instanceof OutgoingHead.Streamed && ((OutgoingHead.Streamed) msg).hasBody()
                    && HttpUtil.isTransferEncodingChunked((HttpMessage) msg);
        } else if (msg instanceof LastHttpContent) {
            streaming = false;
            chunking = false;
        }
        super.write(ctx, msg, promise);
    }

    /**
     * Frames {@code data} as a chunk as Netty's encoder would ({@code size-in-hex CRLF data CRLF}),
     * but in the room its buffer has around the data: one buffer on the wire instead of three.
     */
    private void writeChunk(ChannelHandlerContext ctx, ByteBuf data, ChannelPromise promise) {
        int length = data.readableBytes();
        int digits = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 3) / 4;
        int start = data.readerIndex() - digits - 2;
        for (int i = digits - 1, v = length; i >= 0; i--, v >>>= 4) {
            data.setByte(start + i, HEX[v & 0xf]);
        }
        data.setShort(start + digits, CRLF);
        data.readerIndex(start);
        data.writeShort(CRLF);
        out += data.readableBytes();
        ctx.write(data, promise);
    }

    /** Encodes {@code msg} (status line, header lines, body) at the end of the batch buffer. */
    private void append(ChannelHandlerContext ctx, OutgoingHead.Whole msg, ChannelPromise promise) throws Exception {
        ByteBuf large = null;
        try {
            ByteBuf content = msg.content();
            String text = msg.text();
            int body = msg.hasBody() ? msg.bodyBytes() : 0;
            // text is short (the response writer's limit): always copied
            int copied = body <= COPY_LIMIT || text != null ? body : 0;
            ByteBuf b = batch;
            if (b != null && b.writableBytes() < HEAD_ESTIMATE + copied) {
                handOn(ctx);
                b = null;
            }
            if (b == null) {
                b = batch = ctx.alloc().buffer(Math.max(BATCH_BYTES, HEAD_ESTIMATE + copied));
            }
            int start = b.writerIndex();
            try {
                encodeInitialLine(b, msg);
                msg.lines().encode(b);
                ByteBufUtil.writeShortBE(b, CRLF);
                if (copied > 0) {
                    copyBody(b, msg, copied);
                }
            } catch (Throwable t) {
                b.writerIndex(start); // no half response on the wire
                throw t;
            }
            out += b.writerIndex() - start;
            if (body > copied) {
                large = content.retain();
                out += body;
            }
        } finally {
            msg.release();
        }
        if (large != null) {
            handOn(ctx);
            ctx.write(large, promise);
        } else if (!promise.isVoid()) {
            ByteBuf b = batch;
            batch = null;
            ctx.write(b, promise);
        }
    }

    /** The body of {@code msg}, {@code length} bytes, after its head in {@code b}. */
    private static void copyBody(ByteBuf b, OutgoingHead.Whole msg, int length) {
        ByteBuf content = msg.content();
        if (msg.text() != null) {
            ByteBufUtil.reserveAndWriteUtf8(b, msg.text(), length);
        } else if (content.hasArray()) {
            // straight from the array: no view of it to make
            b.writeBytes(content.array(), content.arrayOffset() + content.readerIndex(), length);
        } else {
            b.writeBytes(content, content.readerIndex(), length);
        }
    }

    /** Passes the batch buffer on, ahead of whatever is written next. */
    private void handOn(ChannelHandlerContext ctx) {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            ctx.write(b, ctx.voidPromise());
        }
    }

    /** Counts the encoded bytes; they go to the server's total at the next flush. */
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> encoded) throws Exception {
        int before = encoded.size();
        lines = msg instanceof OutgoingHead ? ((OutgoingHead) msg).lines() : null;
        try {
            super.encode(ctx, msg, encoded);
        } finally {
            lines = null;
        }
        for (int i = before; i < encoded.size(); i++) {
            Object o = encoded.get(i);
            if (o instanceof ByteBuf) {
                out += ((ByteBuf) o).readableBytes();
            }
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        handOn(ctx);
        lastActiveNanos = System.nanoTime();
        super.flush(ctx);
    }

    /** Unflushed responses are dropped on close, as Netty drops unflushed writes. */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        release();
        super.close(ctx, promise);
    }

    /**
     * Leaving a live connection (an upgrade hands it to another protocol): whatever is still in
     * the batch buffer goes out ahead of what the new protocol writes, rather than being dropped.
     * The upgrades flush before they remove the encoder (the connection's own removal flushes the
     * answers to requests pipelined before the upgrade), so this is a fallback that keeps a future
     * path from losing responses silently.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        if (batch != null && ctx.channel().isActive()) {
            handOn(ctx);
            ctx.flush();
        } else {
            release();
        }
        super.handlerRemoved(ctx);
    }

    /** The bytes encoded since the last call; the connection adds them to the server's total. */
    public long takeBytesOut() {
        long n = out;
        out = 0;
        return n;
    }

    /** Bytes waiting in the batch buffer for the next flush. */
    public int batched() {
        ByteBuf b = batch;
        return b == null ? 0 : b.readableBytes();
    }

    private void release() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            b.release();
        }
    }

    /** The head's lines (its pre-encoded run included) instead of iterating its headers. */
    @Override
    protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
        HeaderLines l = lines;
        if (l != null && headers == l.headers()) {
            lines = null; // trailers that follow in the same message are encoded as usual
            l.encode(buf);
        } else {
            super.encodeHeaders(headers, buf);
        }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (msg instanceof OutgoingHead) {
            return !((OutgoingHead) msg).hasBody();
        }
        return super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
        // the response writer owns the headers
    }
}
