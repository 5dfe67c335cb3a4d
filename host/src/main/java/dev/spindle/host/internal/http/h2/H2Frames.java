package dev.spindle.host.internal.http.h2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Data path: between Netty's HTTP/2 decoder (inside {@link H2Connection}, an
 * {@code Http2ConnectionHandler}) and the connection's {@link H2Stream}s. Hears the frames a
 * stream's exchange takes (HEADERS, DATA, RST_STREAM), the streams' ends, and the remote flow
 * controller's writability changes, and hands each to the stream's {@link H2Stream}, kept as a
 * property of Netty's {@link Http2Stream} (made with the request's HEADERS). The other frames
 * (SETTINGS, PING, WINDOW_UPDATE, PRIORITY, GOAWAY) are Netty's business. A failure of a stream's
 * exchange resets that stream only. Event loop only.
 */
final class H2Frames extends Http2FrameAdapter implements Http2Connection.Listener, Http2RemoteFlowController.Listener {

    private final H2Connection connection;
    private final Http2Connection.PropertyKey key;

    H2Frames(H2Connection connection, Http2Connection.PropertyKey key) {
        this.connection = connection;
        this.key = key;
    }

    H2Stream of(Http2Stream stream) {
        return stream == null ? null : stream.getProperty(key);
    }

    // ---------------------------------------------------------------- frames

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
            short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endStream) throws Http2Exception {
        Http2Stream stream = connection.connection().stream(streamId);
        if (stream == null) {
            return;
        }
        H2Stream s = of(stream);
        String malformed = s == null ? H2Fields.malformed(headers) : null;
        if (malformed != null) {
            // a malformed request (RFC 9113, 8.1.1): the stream is reset, as Node resets it, and no
            // exchange begins; the connection goes on
            throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "malformed request: %s", malformed);
        }
        try {
            if (s == null) {
                s = connection.streamOpened(stream);
                stream.setProperty(key, s);
                s.onHead(headers, endStream, connection.batchNanos());
            } else if (s.hasExchange()) {
                s.onTrailers(headers);
            }
        } catch (RuntimeException | Error e) {
            failed(stream, e);
        }
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        H2Stream s = of(connection.connection().stream(streamId));
        if (s == null) {
            return data.readableBytes() + padding;
        }
        try {
            return s.onData(data, padding, endOfStream);
        } catch (RuntimeException | Error e) {
            failed(connection.connection().stream(streamId), e);
            return data.readableBytes() + padding;
        }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        H2Stream s = of(connection.connection().stream(streamId));
        if (s != null) {
            s.onReset();
        }
    }

    private void failed(Http2Stream stream, Throwable t) {
        connection.streamFailed(t);
        if (stream != null) {
            connection.reset(stream, Http2Error.INTERNAL_ERROR);
        }
    }

    // ---------------------------------------------------------------- streams

    @Override
    public void onStreamClosed(Http2Stream stream) {
        H2Stream s = stream.removeProperty(key);
        if (s != null) {
            try {
                s.closed();
            } finally {
                connection.streamClosed(s);
            }
        }
    }

    @Override
    public void writabilityChanged(Http2Stream stream) {
        H2Stream s = of(stream);
        if (s != null) {
            s.writabilityChanged();
        }
    }

    @Override
    public void onStreamAdded(Http2Stream stream) {
    }

    @Override
    public void onStreamActive(Http2Stream stream) {
    }

    @Override
    public void onStreamHalfClosed(Http2Stream stream) {
    }

    @Override
    public void onStreamRemoved(Http2Stream stream) {
    }

    @Override
    public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
    }

    @Override
    public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
    }
}
