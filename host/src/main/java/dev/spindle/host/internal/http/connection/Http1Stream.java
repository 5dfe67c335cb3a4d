package dev.spindle.host.internal.http.connection;

import java.util.ArrayDeque;
import java.util.function.Consumer;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.Http1Head;
import dev.spindle.host.internal.http.codec.OutgoingHead;
import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.FixedHead;
import dev.spindle.host.internal.http.exchange.HeadDraft;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.http.exchange.ResponseSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * Data path: beneath one exchange's {@link Response} on an HTTP/1.1 connection, above the
 * {@link HttpConnection}. Fixes the head into itself (an {@link Http1Head}), turns the response's parts into the
 * encoder's messages, and keeps request order: while an earlier pipelined response is still
 * going out, the parts wait here (counted against Node's high-water mark) and follow when this
 * exchange's turn comes. Event loop only.
 */
final class Http1Stream extends Http1Head implements ResponseSink {

    /** A part of the response waiting for its turn. */
    private static final class Piece {
        final HttpObject msg;
        final int bytes;
        final Consumer<? super HttpException> callback;
        final boolean last;

        Piece(HttpObject msg, int bytes, Consumer<? super HttpException> callback, boolean last) {
            this.msg = msg;
            this.bytes = bytes;
            this.callback = callback;
            this.last = last;
        }
    }

    private final HttpConnection connection;
    private final ResponseQueue queue;
    private final EventLoop loop;
    private final AsciiString keepAliveValue;
    private Exchange exchange;
    private boolean headSent;
    private boolean active;
    private boolean gone;
    private ArrayDeque<Piece> waiting;
    private int heldBytes;
    /** The connection's number for this exchange's last write, once written. */
    long writeSeq;

    Http1Stream(HttpConnection connection, ResponseQueue queue, EventLoop loop, AsciiString keepAliveValue) {
        this.connection = connection;
        this.queue = queue;
        this.loop = loop;
        this.keepAliveValue = keepAliveValue;
    }

    void bind(Exchange exchange) {
        this.exchange = exchange;
    }

    Exchange exchange() {
        return exchange;
    }

    /** Whether the connection closes after this response; known once the head is fixed. */
    boolean closesAfter() {
        return fixed() && last();
    }

    // ---------------------------------------------------------------- ResponseSink

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public ByteBufAllocator alloc() {
        return connection.alloc();
    }

    @Override
    public ByteBuf bodyBuffer(int length) {
        return OutgoingHead.chunkBuffer(connection.alloc(), length);
    }

    @Override
    public FixedHead fixHead(HeadDraft draft) {
        if (connection.endingSoon() && queue.isLast(this)) {
            // the server is shutting down: the newest response is the connection's last
            exchange.response().closeAfter();
            connection.lastBeforeClose();
        }
        fix(draft, keepAliveValue);
        return this;
    }

    @Override
    public void sendContinue() {
        put(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                0, null, false);
    }

    @Override
    public void send(ByteBuf data, boolean last, HttpHeaders trailers, Consumer<? super HttpException> callback) {
        int length = data == null ? 0 : data.readableBytes();
        HttpHeaders trailing = trailers == null ? EmptyHttpHeaders.INSTANCE : trailers;
        HttpObject msg;
        if (!headSent) {
            headSent = true;
            if (last) {
                msg = new OutgoingHead.Whole(this, data == null ? Unpooled.EMPTY_BUFFER : data, trailing);
            } else if (data != null) {
                put(new OutgoingHead.Streamed(this), 0, null, false);
                msg = piece(data);
            } else {
                msg = new OutgoingHead.Streamed(this);
            }
        } else if (last) {
            msg = data == null && trailers == null ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(data == null ? Unpooled.EMPTY_BUFFER : data, trailing);
        } else {
            msg = piece(data);
        }
        put(msg, length, callback, last);
    }

    /** The whole body as text: the encoder writes its bytes after the head (see {@link OutgoingHead.Whole}). */
    @Override
    public void sendText(String text, int bytes, HttpHeaders trailers) {
        if (headSent || trailers != null || chunked()) {
            ResponseSink.super.sendText(text, bytes, trailers);
            return;
        }
        headSent = true;
        put(new OutgoingHead.Whole(this, text, bytes), bytes, null, true);
    }

    /**
     * A middle piece of the body, as a {@link OutgoingHead.Chunk} when its buffer has room to be
     * framed in place: only {@link OutgoingHead#chunkBuffer} starts its data that far in.
     */
    private static HttpContent piece(ByteBuf data) {
        return data.readerIndex() >= OutgoingHead.FRAME_ROOM ? new OutgoingHead.Chunk(data) : new DefaultHttpContent(data);
    }

    @Override
    public boolean writable() {
        return heldBytes < Response.HIGH_WATER_MARK && connection.channelWritable();
    }

    @Override
    public boolean connectionWritable() {
        return connection.channelWritable();
    }

    @Override
    public void cutOff() {
        connection.closeAfterFlush();
    }

    // ---------------------------------------------------------------- turns (the connection's side)

    private void put(HttpObject msg, int bytes, Consumer<? super HttpException> callback, boolean last) {
        if (gone) {
            ReferenceCountUtil.release(msg);
            if (callback != null) {
                exchange.response().events().invoke(callback, destroyedError());
            }
        } else if (active) {
            queue.write(this, msg, callback, last);
        } else {
            if (waiting == null) {
                waiting = new ArrayDeque<>(4);
            }
            waiting.add(new Piece(msg, bytes, callback, last));
            heldBytes += bytes;
        }
    }

    /** This exchange's turn to write: everything held back goes out now. */
    void activate() {
        active = true;
        if (waiting != null) {
            Piece p;
            while (!gone && (p = waiting.poll()) != null) {
                heldBytes -= p.bytes;
                queue.write(this, p.msg, p.callback, p.last);
            }
            if (connection.channelWritable()) {
                exchange.response().writable();
            }
        }
    }

    /** The connection is gone (or gives up this exchange) before it finished. */
    void destroy(Outcome why) {
        gone = true;
        if (waiting != null) {
            Piece p;
            while ((p = waiting.poll()) != null) {
                ReferenceCountUtil.release(p.msg);
                if (p.callback != null) {
                    exchange.response().events().invoke(p.callback, destroyedError());
                }
            }
            heldBytes = 0;
        }
        exchange.destroy(why);
    }

    private static HttpException destroyedError() {
        return new HttpException(HttpException.ERR_STREAM_DESTROYED, "Cannot call write after a stream was destroyed");
    }
}
