package dev.spindle.host.internal.http.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Data path: the messages an HTTP/1.1 response becomes, from the connection to
 * {@link ResponseEncoder}. A head knows whether its message may have a body (HEAD requests, 1xx,
 * 204 and 304 may not), so that the encoder frames it as {@link Http1Head} decided instead of
 * guessing from the status alone.
 */
public interface OutgoingHead {

    boolean hasBody();

    /** The header lines as the encoder writes them. */
    HeaderLines lines();

    /** A head followed by body chunks. */
    final class Streamed extends DefaultHttpResponse implements OutgoingHead {
        private final boolean hasBody;
        private final HeaderLines lines;

        public Streamed(Http1Head head) {
            super(HttpVersion.HTTP_1_1, head.status(), EmptyHttpHeaders.INSTANCE);
            this.hasBody = head.hasBody();
            this.lines = head.lines();
        }

        /** Made when first asked for: the encoder writes the lines without it. */
        @Override
        public HttpHeaders headers() {
            return lines.headers();
        }

        @Override
        public boolean hasBody() {
            return hasBody;
        }

        @Override
        public HeaderLines lines() {
            return lines;
        }
    }

    /**
     * Head, whole body and trailers in one message: the common case of {@code end(data)}. A short
     * body given as text ({@code end(string)}) stays text until the encoder writes its bytes.
     */
    final class Whole extends DefaultFullHttpResponse implements OutgoingHead {
        private final boolean hasBody;
        private final boolean chunked;
        private final HeaderLines lines;
        private final String text;
        private final int textBytes;

        public Whole(Http1Head head, ByteBuf content, HttpHeaders trailers) {
            this(head.status(), head.hasBody(), head.chunked(), head.lines(), content, trailers, null, 0);
        }

        /** A whole body of {@code text}, {@code textBytes} long in utf8; without trailers. */
        public Whole(Http1Head head, String text, int textBytes) {
            this(head.status(), head.hasBody(), head.chunked(), head.lines(), Unpooled.EMPTY_BUFFER,
                    EmptyHttpHeaders.INSTANCE, text, textBytes);
        }

        private Whole(HttpResponseStatus status, boolean hasBody, boolean chunked, HeaderLines lines, ByteBuf content,
                HttpHeaders trailers, String text, int textBytes) {
            super(HttpVersion.HTTP_1_1, status, content, EmptyHttpHeaders.INSTANCE, trailers);
            this.hasBody = hasBody;
            this.chunked = chunked;
            this.lines = lines;
            this.text = text;
            this.textBytes = textBytes;
        }

        /** Made when first asked for: the batch path writes the lines without it. */
        @Override
        public HttpHeaders headers() {
            return lines.headers();
        }

        /** Whether the body goes out in chunked framing ({@code Transfer-Encoding: chunked}). */
        boolean chunked() {
            return chunked;
        }

        /** The body as text, or null when it is {@link #content()}. */
        String text() {
            return text;
        }

        /** The body's length in bytes. */
        int bodyBytes() {
            return text != null ? textBytes : content().readableBytes();
        }

        /** The same message with its text as {@link #content()}, for Netty's encoder. */
        Whole withContent(ByteBufAllocator alloc) {
            ByteBuf bytes = alloc.buffer(textBytes);
            ByteBufUtil.reserveAndWriteUtf8(bytes, text, textBytes);
            return new Whole(status(), hasBody, chunked, lines, bytes, trailingHeaders(), null, 0);
        }

        @Override
        public boolean hasBody() {
            return hasBody;
        }

        @Override
        public HeaderLines lines() {
            return lines;
        }
    }

    /**
     * A body piece in a buffer the response writer allocated with {@link #FRAME_ROOM} bytes before
     * the data and two after it, so that the encoder can frame it as a chunk in place.
     */
    final class Chunk extends DefaultHttpContent {
        public Chunk(ByteBuf data) {
            super(data);
        }
    }

    /** Room for a chunk's size line: eight hex digits and CRLF. */
    int FRAME_ROOM = 10;

    /** A buffer for {@code length} bytes of body with room to frame them as a chunk. */
    static ByteBuf chunkBuffer(ByteBufAllocator alloc, int length) {
        ByteBuf b = alloc.buffer(FRAME_ROOM + length + 2);
        return b.setIndex(FRAME_ROOM, FRAME_ROOM);
    }
}
