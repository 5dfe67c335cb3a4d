package dev.spindle.host.internal.http;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Pipeline position: after the request decoder, before {@link HttpConnection}. Netty's response
 * encoder, told by each {@link OutgoingHead} whether a body may follow, and leaving the headers
 * exactly as the response writer set them: the writer already applied Node's framing rules, so
 * nothing may be added or stripped here. Counts the bytes it encodes.
 */
final class ResponseEncoder extends HttpResponseEncoder {

    private final EngineStats stats;
    private long out;
    /** When the last flush began ({@code System.nanoTime()}). */
    volatile long lastActiveNanos = System.nanoTime();
    /** The lines of the head being encoded now. */
    private HeaderLines lines;

    ResponseEncoder(EngineStats stats) {
        this.stats = stats;
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
        if (out != 0) {
            stats.bytesOut.add(out);
            out = 0;
        }
        lastActiveNanos = System.nanoTime();
        super.flush(ctx);
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
