package dev.spindle.host.internal.http.ws;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.connection.HttpConnection;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.UpgradeRequest;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Data path: the {@link Upgrade} of an engine's HTTP/1.1 connections, between their request gate
 * and dispatch. A {@code GET} with {@code Upgrade: websocket} on a route a WebSocket handler
 * serves is taken here: Netty's handshaker checks it (a version other than 13 gets
 * {@code 426} with {@code Sec-WebSocket-Version: 13}, a missing key or {@code Connection: upgrade}
 * 400), the handler's {@code verify} accepts or refuses it, and an accepted one turns the
 * connection into a WebSocket: the HTTP/1.1 connection handler leaves the pipeline, Netty's frame
 * decoder and encoder replace the HTTP codec, and behind them come the optional
 * {@code permessage-deflate} negotiation, the UTF-8 validator, the message aggregator, the idle
 * ping timer and the {@link WebSocketConnection}. Any other upgrade request is an ordinary one.
 * An upgrade for a route whose handler is being replaced waits for the replacement, as requests do.
 */
public final class WebSocketUpgrade implements Upgrade {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketUpgrade.class);

    private final Dispatcher dispatcher;
    private volatile WebSocketSettings settings;

    public WebSocketUpgrade(Dispatcher dispatcher, WebSocketSettings settings) {
        this.dispatcher = dispatcher;
        this.settings = settings;
    }

    /** New limits; sockets opened from now on use them. */
    public void settings(WebSocketSettings settings) {
        this.settings = settings;
    }

    @Override
    public boolean take(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx) {
        if (!asksForWebSocket(head)) {
            return false;
        }
        Resolution r = dispatcher.resolver().resolveWebSocket(UpgradeRequest.pathOf(head.uri()));
        if (r.isPending()) {
            await(head, connection, ctx, r.waitUntilNanos());
            return true;
        }
        if (r.target() == null) {
            return false;
        }
        accept(head, connection, ctx, r.target());
        return true;
    }

    /** {@code GET}, HTTP/1.1, no body, and {@code websocket} among the {@code Upgrade} tokens. */
    private static boolean asksForWebSocket(FullHttpRequest head) {
        return HttpMethod.GET.equals(head.method()) && HttpVersion.HTTP_1_1.equals(head.protocolVersion())
                && !head.content().isReadable()
                && head.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * The route lost its handler moments ago (an update): reading stops and the upgrade waits for
     * the next routing change, at most until {@code untilNanos}, then is tried again (a 404 path
     * then goes on as an ordinary request). A replacement that came between the lookup that found
     * the route vacant and the wait's registration woke nobody: the route is looked up once more
     * after it. The server shutting down answers the wait at once with 503, as it answers parked
     * requests: no replacement reaches a stopping server.
     */
    private void await(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx, long untilNanos) {
        ctx.channel().config().setAutoRead(false);
        String path = UpgradeRequest.pathOf(head.uri());
        boolean[] done = {false};
        Runnable retry = () -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            connection.parkUpgrade(null);
            ctx.channel().config().setAutoRead(true);
            if (!ctx.channel().isActive()) {
                head.release();
                return;
            }
            Resolution again = dispatcher.stopping() ? Resolution.notFound() : dispatcher.resolver().resolveWebSocket(path);
            if (again.target() != null) {
                accept(head, connection, ctx, again.target());
            } else if (again.isPending() && System.nanoTime() - untilNanos < 0) {
                await(head, connection, ctx, again.waitUntilNanos());
            } else {
                head.release();
                connection.refuse(503, "the WebSocket route of " + head.uri() + " has no handler");
            }
        };
        connection.parkUpgrade(retry);
        dispatcher.resolver().onNextChange(() -> ctx.executor().execute(retry));
        ctx.executor().schedule(retry, Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (!dispatcher.resolver().resolveWebSocket(path).isPending()) {
            retry.run();
        }
    }

    private void accept(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx, RouteTarget target) {
        WebSocketSettings s = settings;
        boolean deflate = s.compression() && head.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(deflate ? compressedLimit(s.maxFrameBytes()) : s.maxFrameBytes())
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(deflate)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(true)
                .build();
        String subprotocols = target.subprotocols().isEmpty() ? null : String.join(",", target.subprotocols());
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(head.uri(), subprotocols, config)
                .newHandshaker(head);
        if (handshaker == null || !"13".equals(head.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // RFC 6455's version only (Netty also speaks drafts 7 and 8)
            head.release();
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        String bad = handshakeFault(head);
        if (bad != null) {
            head.release();
            connection.refuse(400, bad);
            return;
        }
        UpgradeRequest req = new UpgradeRequest(head, ctx.channel(), target.routePrefix());
        int verdict;
        try {
            verdict = target.webSocketHandler().verify(req);
        } catch (Throwable t) {
            target.thrown().first(t);
            LOG.warn("WebSocket handler service {} failed to verify {}: refused with 500", target.serviceId(), req, t);
            verdict = 500;
        }
        if (verdict != 101) {
            head.release();
            connection.refuse(verdict >= 400 && verdict <= 599 ? verdict : 500,
                    "WebSocket upgrade refused by handler service " + target.serviceId() + " with " + verdict);
            return;
        }
        if (!target.tryStart()) { // removed meanwhile: its replacement takes it
            if (!take(head, connection, ctx)) {
                head.release();
                connection.refuse(503, "the WebSocket route of " + head.uri() + " has no handler");
            }
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        WebSocketConnection socket = new WebSocketConnection(target, req, handshaker, s, dispatcher);
        p.addLast("ws-socket", socket);
        if (deflate) {
            // what one frame may inflate to: the aggregator holds the message to its limit, this
            // stops a small frame that inflates without end before it gets there
            p.addBefore("ws-socket", "ws-deflate", new WebSocketServerCompressionHandler(2 * s.maxMessageBytes()));
        }
        p.addBefore("ws-socket", "ws-utf8", new Utf8FrameValidator(true));
        p.addBefore("ws-socket", "ws-messages", new WebSocketFrameAggregator(s.maxMessageBytes()));
        if (s.pingIntervalMillis() > 0) {
            p.addBefore("ws-socket", "ws-idle", new IdleStateHandler(s.pingIntervalMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        if (p.get("h2c-upgrade") != null) {
            p.remove("h2c-upgrade");
        }
        p.remove(connection);
        // the request goes through the extension negotiation (if any) to the socket, which answers it
        ChannelHandlerContext first = p.context(deflate ? "ws-deflate" : "ws-socket");
        try {
            ((ChannelInboundHandler) first.handler()).channelRead(first, head);
        } catch (Exception e) {
            first.fireExceptionCaught(e);
        }
    }

    /**
     * The largest compressed frame whose data may be {@code limit} bytes: deflate's stored blocks
     * add 5 bytes to each block of data that does not compress, and clients with little memory for
     * the compressor (Python's {@code websockets}: 2 KiB blocks) make many blocks; the limit on the
     * inflated message still holds.
     */
    static int compressedLimit(int limit) {
        return (int) Math.min(Integer.MAX_VALUE, limit + (long) limit / 64 + 64);
    }

    /** What Netty's handshaker would throw for, checked before anything changes: null if nothing. */
    private static String handshakeFault(FullHttpRequest head) {
        if (!head.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return "400: WebSocket upgrade without Connection: upgrade";
        }
        List<String> keys = head.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !validKey(keys.get(0).trim())) {
            // one key (RFC 6455, 4.2.1): with two, which one the answer's accept hash proves is a
            // guess, and ws (Node's) refuses the handshake the same way
            return "400: WebSocket upgrade without exactly one valid Sec-WebSocket-Key";
        }
        if (head.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_VERSION).size() > 1) {
            return "400: WebSocket upgrade with more than one Sec-WebSocket-Version";
        }
        return null;
    }

    /** RFC 6455 4.2.1: the key is 16 bytes in base64. */
    private static boolean validKey(String key) {
        try {
            return key.length() == 24 && java.util.Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
