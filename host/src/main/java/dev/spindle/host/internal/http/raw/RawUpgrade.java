package dev.spindle.host.internal.http.raw;

import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.connection.HttpConnection;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.UpgradeRequest;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Data path: the {@link Upgrade} for protocols the host does not speak, after the WebSocket one.
 * An HTTP/1.1 request whose {@code Upgrade} header names a protocol an upgrade handler takes on its
 * path leaves HTTP here: the HTTP/1.1 handlers leave the pipeline (the request decoder hands the
 * bytes it holds beyond the request to the {@link RawSocket} that replaces it), and the handler
 * gets the request and the socket; it writes its own {@code 101}. The first protocol of the header
 * that a handler takes wins. An upgrade for a route whose handler is being replaced is refused
 * with 503 (a client of a raw protocol retries; it cannot be held as a request is).
 */
public final class RawUpgrade implements Upgrade {

    private static final Logger LOG = LoggerFactory.getLogger(RawUpgrade.class);

    private final Dispatcher dispatcher;

    public RawUpgrade(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public boolean take(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx) {
        if (!HttpVersion.HTTP_1_1.equals(head.protocolVersion()) || head.content().isReadable()) {
            return false;
        }
        String path = UpgradeRequest.pathOf(head.uri());
        for (String protocol : protocols(head)) {
            Resolution r = dispatcher.resolver().resolveUpgrade(path, protocol);
            if (r.isPending()) {
                head.release();
                connection.refuse(503, "the upgrade route of " + path + " is being replaced");
                return true;
            }
            if (r.target() != null && r.target().tryStart()) {
                takeOver(head, connection, ctx, r.target());
                return true;
            }
        }
        return false;
    }

    /** The tokens of the {@code Upgrade} header, in order. */
    private static List<String> protocols(FullHttpRequest head) {
        List<String> out = new java.util.ArrayList<>();
        for (String value : head.headers().getAll(HttpHeaderNames.UPGRADE)) {
            for (String token : value.split(",")) {
                String t = token.trim();
                if (!t.isEmpty() && !t.toLowerCase(Locale.ROOT).equals("websocket")) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private void takeOver(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx, RouteTarget target) {
        UpgradeRequest req = new UpgradeRequest(head, ctx.channel(), target.routePrefix());
        RequestMethod method = RequestMethod.of(head.method());
        RawSocket socket = new RawSocket(target, method, dispatcher);
        dispatcher.switched(target, method); // the handler writes its 101 itself
        ChannelPipeline p = ctx.pipeline();
        if (p.get("h2c-upgrade") != null) {
            p.remove("h2c-upgrade");
        }
        p.remove(connection);
        p.remove("encoder");
        // the decoder's bytes beyond the request go on to the socket, which holds them for onData
        p.replace("decoder", "raw-socket", socket);
        try {
            target.upgradeHandler().upgrade(req, socket);
        } catch (Throwable t) {
            target.thrown().first(t);
            LOG.warn("Upgrade handler service {} failed to take over {}: closing it", target.serviceId(), req, t);
            socket.destroy();
        } finally {
            head.release();
        }
    }
}
