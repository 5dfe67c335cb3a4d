package dev.spindle.host.internal.http.codec;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.AsciiString;

/**
 * Pipeline position: first, next to the socket. Netty's request decoder, with a
 * {@link HeadScanner} in front that holds each head back until it is complete and refuses what
 * can never become a valid head at once (the message then carries a {@link Refused} failure).
 * Beyond Netty's: common header names are shared ({@link HeaderNames}) and the few that decide
 * framing are noted as they pass (the connection's gate reads them), a request without a body
 * goes on as one {@link FullHttpRequest}, both Content-Length and Transfer-Encoding are refused,
 * and the bytes read are counted in a plain field that the connection takes once per read batch,
 * with the time the connection last read.
 */
public final class RequestDecoder extends HttpRequestDecoder {

    /** Why the head scan refused a request: always answered with 400. */
    public static final class Refused extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why);
        }
    }

    /** Names {@link #had} answers for. */
    public static final int EXPECT = 1;
    public static final int CONTENT_LENGTH = 2;
    public static final int TRANSFER_ENCODING = 4;
    public static final int UPGRADE = 8;

    private static final String HTTP_1_1 = HttpVersion.HTTP_1_1.text();
    private static final String HTTP_1_0 = HttpVersion.HTTP_1_0.text();

    private final HeadScanner scanner;
    /** The head being decoded, made whole (see {@link #createMessage}) until it goes on; else null. */
    private FullHttpRequest made;
    /** Of the head being decoded (the last one, once decoded): the connection's gate reads them as it arrives. */
    private int hosts;
    private int framing;
    private final int maxHeadBytes;
    private long in;
    private boolean refused;
    /** The head being received was handed to Netty before it was complete (it is over the limits). */
    private boolean handedOver;
    /** Whether the next bytes start a request head (not a body). */
    private boolean inHead = true;
    public volatile long lastActiveNanos = System.nanoTime();
    public final long createdNanos = lastActiveNanos;
    /** When the current read batch began ({@code System.nanoTime()}). */
    private long readNanos = createdNanos;

    public RequestDecoder(HttpDecoderConfig config) {
        super(config);
        this.maxHeadBytes = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
        this.scanner = new HeadScanner(config.getMaxInitialLineLength(), config.getMaxHeaderSize());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (refused) {
            buffer.skipBytes(buffer.readableBytes()); // the connection closes after the refusal
            return;
        }
        if (inHead && !handedOver) {
            int found = scanner.scan(buffer);
            if (found == HeadScanner.INCOMPLETE && buffer.readableBytes() <= maxHeadBytes) {
                return; // wait for the rest of the head
            }
            if (found == HeadScanner.INCOMPLETE || found == HeadScanner.TOO_LONG) {
                // over the limits: Netty's parser refuses it, and may consume part of it meanwhile,
                // so the scan's positions no longer hold until the next head
                handedOver = true;
            } else if (found == HeadScanner.REFUSED) {
                refused = true;
                buffer.skipBytes(buffer.readableBytes());
                out.add(refusal(scanner.refusal()));
                return;
            }
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) == made) {
                made = null;
                if (i + 1 < out.size() && out.get(i + 1) == LastHttpContent.EMPTY_LAST_CONTENT
                        && ((HttpRequest) out.get(i)).decoderResult().isSuccess()) {
                    out.remove(i + 1); // no body: the head is the whole request
                } else {
                    out.set(i, headOnly((FullHttpRequest) out.get(i)));
                }
                break;
            }
        }
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest) {
                inHead = false;
                handedOver = false;
                scanner.reset();
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
            }
        }
        if (out.size() - before == 2 && out.get(before + 1) == LastHttpContent.EMPTY_LAST_CONTENT) {
            Object head = out.get(before);
            if (head instanceof HttpRequest && !(head instanceof FullHttpRequest)
                    && ((HttpRequest) head).decoderResult().isSuccess()) {
                out.set(before, whole((HttpRequest) head)); // a version Netty made (see createMessage)
                out.remove(before + 1);
            }
        }
    }

    /** A failed request standing for a head the scan refused: the connection answers 400. */
    private static HttpRequest refusal(String why) {
        HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
        bad.setDecoderResult(DecoderResult.failure(new Refused(why)));
        return bad;
    }

    /** A request without a body whose head Netty made: one message, as {@link #createMessage} makes the others. */
    private static FullHttpRequest whole(HttpRequest head) {
        FullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
        whole.setDecoderResult(head.decoderResult());
        return whole;
    }

    /** {@code head} as the head of a request whose body follows (or that failed): the same version, line and headers. */
    private static HttpRequest headOnly(FullHttpRequest head) {
        HttpRequest only = new DefaultHttpRequest(head.protocolVersion(), head.method(), head.uri(), head.headers());
        only.setDecoderResult(head.decoderResult());
        return only;
    }

    /**
     * A new head begins: its framing names are counted afresh. A request without a body goes on
     * as one message instead of its head and an empty last content (one trip through the pipeline
     * per request rather than two), so the head is made as a whole request with no content from
     * the start, and made a plain head in {@link #decode} only if a body follows (or it failed):
     * one request object and one request-line check per bodiless request, not two. The version is
     * Netty's constant for the two spellings every client sends; any other is left to Netty.
     */
    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        hosts = 0;
        framing = 0;
        HttpVersion version = HTTP_1_1.equals(initialLine[2]) ? HttpVersion.HTTP_1_1
                : HTTP_1_0.equals(initialLine[2]) ? HttpVersion.HTTP_1_0 : null;
        if (version == null) {
            made = null;
            return super.createMessage(initialLine);
        }
        made = new DefaultFullHttpRequest(version, HttpMethod.valueOf(initialLine[0]), initialLine[1],
                Unpooled.EMPTY_BUFFER, headersFactory.newHeaders(), EmptyHttpHeaders.INSTANCE);
        return made;
    }

    /**
     * Common names come from {@link HeaderNames}: no copy, no new hash, no new check per request.
     * The names the connection's rules look at ({@code Host}, {@code Expect},
     * {@code Content-Length}, {@code Transfer-Encoding}, {@code Upgrade}) are noted as they pass, so that nobody
     * walks the headers again to find them.
     */
    @Override
    protected AsciiString splitHeaderName(byte[] bytes, int start, int length) {
        AsciiString known = HeaderNames.find(bytes, start, length);
        AsciiString name = known != null ? known : super.splitHeaderName(bytes, start, length);
        switch (length) {
            case 4:
                if (name.contentEqualsIgnoreCase(HttpHeaderNames.HOST)) {
                    hosts++;
                }
                break;
            case 6:
                if (name.contentEqualsIgnoreCase(HttpHeaderNames.EXPECT)) {
                    framing |= EXPECT;
                }
                break;
            case 7:
                if (name.contentEqualsIgnoreCase(HttpHeaderNames.UPGRADE)) {
                    framing |= UPGRADE;
                }
                break;
            case 14:
                if (name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)) {
                    framing |= CONTENT_LENGTH;
                }
                break;
            case 17:
                if (name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)) {
                    framing |= TRANSFER_ENCODING;
                }
                break;
            default:
                break;
        }
        return name;
    }

    /** How many {@code Host} lines the head decoded last had. */
    public int hosts() {
        return hosts;
    }

    /**
     * Whether the head decoded last had a line named {@code name}: one of {@link #EXPECT},
     * {@link #CONTENT_LENGTH}, {@link #TRANSFER_ENCODING}, {@link #UPGRADE}.
     */
    public boolean had(int name) {
        return (framing & name) != 0;
    }

    /** Whether part of a request head has arrived and waits for the rest (a slow or stalled client). */
    public boolean holdsPartialHead() {
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

    /** When the current read batch began ({@code System.nanoTime()}). */
    public long readNanos() {
        return readNanos;
    }

    /** The bytes read since the last call; the connection adds them to the server's total. */
    public long takeBytesIn() {
        long n = in;
        if (n != 0) {
            in = 0;
            lastActiveNanos = readNanos;
        }
        return n;
    }
}
