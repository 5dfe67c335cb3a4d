package dev.spindle.host.internal.http.h2;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;

/**
 * The HTTP/2 connection's pipeline: Netty's {@link Http2FrameCodec} (framing, HPACK, flow
 * control and its protections against the known attacks, configured here), an
 * {@link Http2MultiplexHandler} giving each stream a child channel served by an {@link H2Stream},
 * and the connection's {@link H2Connection}. Three ways in: {@link #install} on a channel whose
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
     * HTTP/2 on {@code ch}, whose protocol is already chosen (TLS with ALPN {@code h2}): the codec,
     * the streams' multiplexer and the connection handler go last in its pipeline. The connection is
     * counted as open here and as closed when it ends. {@code protocol} is what the shell shows
     * ({@code h2}).
     */
    public static void install(Channel ch, EngineSettings settings, Dispatcher dispatcher, String protocol) {
        dispatcher.connectionOpened(Protocol.of(protocol));
        H2Connection connection = new H2Connection(settings, dispatcher, protocol);
        ch.pipeline().addLast("h2-codec", codec(settings));
        ch.pipeline().addLast("h2-streams", multiplexer(settings, dispatcher, connection));
        ch.pipeline().addLast("h2-connection", connection);
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

    static Http2FrameCodec codec(EngineSettings settings) {
        Http2Settings initial = Http2Settings.defaultSettings()
                .maxConcurrentStreams(settings.maxConcurrentStreams())
                .maxHeaderListSize(settings.maxHeaderSize())
                .initialWindowSize(STREAM_WINDOW);
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(initial)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .gracefulShutdownTimeoutMillis(-1) // the engine's drain deadline ends what is left
                .build();
    }

    private static Http2MultiplexHandler multiplexer(EngineSettings settings, Dispatcher dispatcher,
            H2Connection connection) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                // Node's 16 KiB high-water mark for a stream's unsent bytes
                ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 * 1024, 16 * 1024));
                ch.pipeline().addLast(new H2Stream(connection, settings, dispatcher));
            }
        });
    }

    /** Takes over a cleartext connection that turned out to speak HTTP/2: the HTTP/1.1 handlers go. */
    private static void replaceHttp1(ChannelPipeline p, String after, EngineSettings settings, Dispatcher dispatcher) {
        for (String name : HTTP1) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        H2Connection connection = new H2Connection(settings, dispatcher, "h2c");
        p.addAfter(after, "h2-codec", codec(settings));
        p.addAfter("h2-codec", "h2-streams", multiplexer(settings, dispatcher, connection));
        p.addAfter("h2-streams", "h2-connection", connection);
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
            H2Connection connection = new H2Connection(settings, dispatcher, "h2c");
            return new Http2ServerUpgradeCodec(codec(settings), multiplexer(settings, dispatcher, connection), connection);
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
