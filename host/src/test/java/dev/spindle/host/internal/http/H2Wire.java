package dev.spindle.host.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * A raw HTTP/2 client for tests: frames written byte by byte (so that a test can send what a
 * well-behaved client never would: floods, resets, endless CONTINUATION), HPACK through Netty's
 * encoder and decoder, frames read back as they arrive.
 */
final class H2Wire implements AutoCloseable {

    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8,
            CONTINUATION = 9;
    static final int END_STREAM = 1, ACK = 1, END_HEADERS = 4;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as received; {@code headers} decoded for HEADERS. */
    record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        boolean endStream() {
            return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
        }

        long errorCode() {
            ByteBuffer b = ByteBuffer.wrap(payload);
            return type == GOAWAY ? b.getInt(4) & 0xffffffffL : b.getInt(0) & 0xffffffffL;
        }
    }

    final Socket socket;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    private ByteArrayOutputStream block;

    H2Wire(InetSocketAddress at) throws IOException {
        this(new Socket(at.getAddress(), at.getPort()));
    }

    /** Over a socket already connected (a TLS socket whose ALPN chose h2). */
    H2Wire(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
    }

    /** Connects and sends the preface and empty SETTINGS. */
    static H2Wire open(InetSocketAddress at) throws IOException {
        return open(new Socket(at.getAddress(), at.getPort()));
    }

    /** Sends the preface and empty SETTINGS on {@code connected}. */
    static H2Wire open(Socket connected) throws IOException {
        H2Wire w = new H2Wire(connected);
        w.raw(PREFACE);
        w.frame(SETTINGS, 0, 0, new byte[0]);
        return w;
    }

    void raw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        raw(frameBytes(type, flags, stream, payload));
    }

    /** One frame's bytes: its 9-byte header, then {@code payload}. */
    static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        ByteBuffer.wrap(f, 5, 4).putInt(stream);
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    static Http2Headers request(String method, String path, String... more) {
        Http2Headers h = new DefaultHttp2Headers(false).method(method).path(path).scheme("http").authority("localhost");
        for (int i = 0; i < more.length; i += 2) {
            h.add(more[i], more[i + 1]);
        }
        return h;
    }

    byte[] hpack(Http2Headers headers) throws Http2Exception {
        ByteBuf out = Unpooled.buffer();
        encoder.encodeHeaders(0, headers, out);
        byte[] b = ByteBufUtil.getBytes(out);
        out.release();
        return b;
    }

    void headers(int stream, Http2Headers headers, boolean endStream) throws IOException, Http2Exception {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, hpack(headers));
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    void rst(int stream, int code) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    /** The next frame, or null when the server closed the connection. SETTINGS acknowledged on the way. */
    Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        } catch (java.net.SocketException e) {
            return null; // reset by the server
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        int type = head[3];
        int flags = head[4] & 0xff;
        int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Http2Headers headers = null;
        if (type == HEADERS || type == CONTINUATION) {
            if (block == null) {
                block = new ByteArrayOutputStream();
            }
            int from = type == HEADERS && (flags & 0x8) != 0 ? 1 + payload[0] : 0;
            int to = payload.length - (type == HEADERS && (flags & 0x8) != 0 ? payload[0] : 0);
            block.write(payload, from, to - from);
            if ((flags & END_HEADERS) != 0) {
                try {
                    headers = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block.toByteArray()));
                } catch (Http2Exception e) {
                    throw new IOException(e);
                }
                block = null;
            }
        }
        if (type == SETTINGS && (flags & ACK) == 0) {
            try {
                frame(SETTINGS, ACK, 0, new byte[0]);
            } catch (IOException e) {
                // the server has closed: what it sent is still read
            }
        }
        return new Frame(type, flags, stream, payload, headers);
    }

    /** A stream's response as it arrived. */
    static final class Response {
        final List<Http2Headers> heads = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        Http2Headers trailers;
        long reset = -1;
        boolean ended;

        String status() {
            return heads.isEmpty() ? null : heads.get(heads.size() - 1).status().toString();
        }

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    /** Reads frames until {@code stream} ends (END_STREAM or RST_STREAM); returns what it got, or null if the connection ended first. */
    Response response(int stream) throws IOException {
        Response r = new Response();
        for (;;) {
            Frame f = read();
            if (f == null) {
                return null;
            }
            if (f.stream() != stream) {
                continue;
            }
            if (f.type() == HEADERS && f.headers() != null) {
                if (!r.heads.isEmpty() && f.endStream() && f.headers().status() == null) {
                    r.trailers = f.headers();
                } else {
                    r.heads.add(f.headers());
                }
            } else if (f.type() == DATA) {
                r.body.write(f.payload());
                if (f.payload().length > 0 && !f.endStream()) {
                    try {
                        windowUpdate(0, f.payload().length);
                        windowUpdate(stream, f.payload().length);
                    } catch (IOException e) {
                        // the server closed after its last frame: what it sent is still read
                    }
                }
            } else if (f.type() == RST_STREAM) {
                r.reset = f.errorCode();
                return r;
            }
            if (f.endStream()) {
                r.ended = true;
                return r;
            }
        }
    }

    /** Frames until the connection ends or {@code millis} pass with nothing; the first frame of each type. */
    Map<Integer, Frame> drain(int millis) throws IOException {
        Map<Integer, Frame> last = new java.util.HashMap<>();
        socket.setSoTimeout(millis);
        try {
            Frame f;
            while ((f = read()) != null) {
                last.putIfAbsent(f.type(), f);
            }
            last.put(-1, null); // closed
        } catch (SocketTimeoutException e) {
            // still open
        }
        return last;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
