package dev.spindle.host.internal.http.h2;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;

/**
 * The HTTP/2 connection's pipeline: one {@link H2Connection}, Netty's
 * {@code Http2ConnectionHandler} (framing, HPACK, flow control and its protections against the
 * known attacks, configured here) serving each stream as an {@link H2Stream}, without a channel
 * per stream. Three ways in: {@link #install} on a channel whose
 * TLS handshake chose h2 by ALPN; on the cleartext port, the client's connection preface (prior
 * knowledge, {@link #cleartext}'s detector) or an {@code Upgrade: h2c} request (Netty's
 * {@link HttpServerUpgradeHandler} in the HTTP/1.1 pipeline).
 */
public final class H2Pipeline {

    /** Each stream's flow-control window: HTTP/2's initial window, as Node's. */
    static final int STREAM_WINDOW = 65_535;
    /** RST_STREAM frames a client may send in {@link #RST_WINDOW_SECONDS} before GOAWAY (rapid reset). */
    static final int MAX_RST_FRAMES = 200;
    static final int RST_WINDOW_SECONDS = 30;
    /** CONTINUATION frames under 16 KiB a header block may have before GOAWAY (CONTINUATION flood). */
    static final int MAX_SMALL_CONTINUATIONS = 16;
    /** Control frames (PING and SETTINGS acknowledgements, RST_STREAM) queued for a client that does not read. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;

    private static final String[] HTTP1 = {"decoder", "encoder", "h2c-upgrade", "connection"};

    private H2Pipeline() {
    }

    /**
     * HTTP/2 on {@code ch}, whose protocol is already chosen (TLS with ALPN {@code h2}): the
     * connection handler goes last in its pipeline. The connection is
     * counted as open here and as closed when it ends. {@code protocol} is what the shell shows
     * ({@code h2}).
     */
    public static void install(Channel ch, EngineSettings settings, Dispatcher dispatcher, String protocol) {
        dispatcher.connectionOpened(Protocol.of(protocol));
        ch.pipeline().addLast("h2-connection", connection(settings, dispatcher, protocol));
    }

    /**
     * The cleartext port's additions to the HTTP/1.1 pipeline (its handlers named {@code decoder},
     * {@code encoder}, {@code connection}): the prior-knowledge detector first, the h2c upgrade
     * before {@code connection}. Nothing when {@code h2c} is off.
     */
    public static void cleartext(ChannelPipeline p, EngineSettings settings, Dispatcher dispatcher) {
        if (!settings.h2c()) {
            return;
        }
        p.addFirst("h2c-preface", new PrefaceDetector(settings, dispatcher));
        p.addBefore("connection", "h2c-upgrade", upgrade(settings, dispatcher));
    }

    /** A connection's handler, configured here: Netty's protections against the known attacks on. */
    static H2Connection connection(EngineSettings settings, Dispatcher dispatcher, String protocol) {
        return new Builder(settings, dispatcher, protocol).build();
    }

    /** Netty's builder of a connection handler, making an {@link H2Connection}. */
    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, Builder> {

        private final EngineSettings settings;
        private final Dispatcher dispatcher;
        private final String protocol;

        Builder(EngineSettings settings, Dispatcher dispatcher, String protocol) {
            this.settings = settings;
            this.dispatcher = dispatcher;
            this.protocol = protocol;
            initialSettings(Http2Settings.defaultSettings()
                    .maxConcurrentStreams(settings.maxConcurrentStreams())
                    .maxHeaderListSize(settings.maxHeaderSize())
                    .initialWindowSize(STREAM_WINDOW));
            server(true);
            decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS);
            decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS);
            encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
            decoderEnforceMaxConsecutiveEmptyDataFrames(2);
            gracefulShutdownTimeoutMillis(-1); // the engine's drain deadline ends what is left
        }

        @Override
        protected H2Connection build() {
            return super.build();
        }

        @Override
        protected H2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            return new H2Connection(decoder, encoder, initialSettings, settings, dispatcher, protocol);
        }
    }

    /** Takes over a cleartext connection that turned out to speak HTTP/2: the HTTP/1.1 handlers go. */
    private static void replaceHttp1(ChannelPipeline p, String after, EngineSettings settings, Dispatcher dispatcher) {
        for (String name : HTTP1) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        p.addAfter(after, "h2-connection", connection(settings, dispatcher, "h2c"));
    }

    /** {@code Upgrade: h2c} on the first request, without a body: 101, then HTTP/2 with that request as stream 1. */
    private static HttpServerUpgradeHandler upgrade(EngineSettings settings, Dispatcher dispatcher) {
        HttpServerUpgradeHandler.SourceCodec source = ctx -> {
            ChannelPipeline p = ctx.pipeline();
            p.remove("decoder");
            p.remove("encoder");
            p.remove("connection");
        };
        HttpServerUpgradeHandler.UpgradeCodecFactory factory = protocol -> {
            if (!AsciiString.contentEqualsIgnoreCase(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
                return null;
            }
            return new Http2ServerUpgradeCodec(connection(settings, dispatcher, "h2c"));
        };
        return new HttpServerUpgradeHandler(source, factory, 0, DefaultHttpHeadersFactory.headersFactory(),
                DefaultHttpHeadersFactory.trailersFactory(), true) {
            @Override
            public boolean acceptInboundMessage(Object msg) {
                return msg instanceof HttpObject; // the decoder gives a request without a body whole
            }

            @Override
            protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
                // a request with a body stays on HTTP/1.1 (RFC 9113 allows ignoring the upgrade)
                return req.decoderResult().isSuccess() && !HttpUtil.isTransferEncodingChunked(req)
                        && HttpUtil.getContentLength(req, 0L) == 0
                        && req.headers().containsValue(HttpHeaderNames.UPGRADE, Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, true);
            }
        };
    }

    /**
     * Pipeline position: first on a cleartext connection, before the HTTP/1.1 decoder, until the
     * first bytes decide: the HTTP/2 connection preface (prior knowledge) replaces the HTTP/1.1
     * handlers with HTTP/2's, anything else leaves them alone. The bytes go on unchanged and in
     * the same read (a preface split over reads is held until it is whole). Netty's
     * {@code CleartextHttp2ServerUpgradeHandler} does the same but only over its own HTTP/1.1 codec.
     */
    static final class PrefaceDetector extends ChannelInboundHandlerAdapter {

        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

        private final EngineSettings settings;
        private final Dispatcher dispatcher;
        private ByteBuf held;

        PrefaceDetector(EngineSettings settings, Dispatcher dispatcher) {
            this.settings = settings;
            this.dispatcher = dispatcher;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                ctx.fireChannelRead(msg);
                return;
            }
            ByteBuf in = (ByteBuf) msg;
            if (held != null) {
                in = ctx.alloc().buffer(held.readableBytes() + in.readableBytes()).writeBytes(held).writeBytes(in);
                held.release();
                held = null;
                ((ByteBuf) msg).release();
            }
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            boolean prefix = ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n);
            if (prefix && n < PREFACE.readableBytes()) {
                held = in; // not decided yet
                return;
            }
            if (prefix && dispatcher.openConnections() <= settings.maxConnections()) {
                replaceHttp1(ctx.pipeline(), ctx.name(), settings, dispatcher);
            } // else HTTP/1.1 (a connection over the limit is refused with a 503 by it)
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(in);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (held != null) {
                held.release();
                held = null;
            }
        }
    }
}
