package dev.spindle.host.internal.admin;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The last handler of the admin pipeline, after Netty's codec, aggregator and keep-alive handler
 * (see {@link AdminListener}): answers {@code GET} and {@code HEAD} of {@code /health/live},
 * {@code /health/ready} and {@code /metrics}; anything else gets 404 or 405. Shared by every admin
 * connection; runs on the admin listener's own event loop, never on the engine's.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String JSON = "application/json; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    private final Health health;
    private final Metrics metrics;

    AdminHandler(Health health, Metrics metrics) {
        this.health = health;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = HttpMethod.HEAD.equals(req.method());
        if (!req.decoderResult().isSuccess()) {
            send(ctx, HttpResponseStatus.BAD_REQUEST, JSON, "{\"error\":\"bad request\"}\n", false, false);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        boolean known = "/health/live".equals(path) || "/health/ready".equals(path) || "/metrics".equals(path);
        if (!known) {
            send(ctx, HttpResponseStatus.NOT_FOUND, JSON, "{\"error\":\"not found\",\"endpoints\":"
                    + "[\"/health/live\",\"/health/ready\",\"/metrics\"]}\n", keepAlive, head);
            return;
        }
        if (!head && !HttpMethod.GET.equals(req.method())) {
            FullHttpResponse res = response(HttpResponseStatus.METHOD_NOT_ALLOWED, JSON,
                    "{\"error\":\"method not allowed\"}\n", false);
            res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            write(ctx, res, keepAlive);
            return;
        }
        switch (path) {
            case "/health/live":
                health.live().whenComplete((report, failed) -> ctx.executor().execute(() -> {
                    if (report != null) {
                        send(ctx, HttpResponseStatus.valueOf(report.status()), JSON, report.json(), keepAlive, head);
                    } else {
                        send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, JSON, Json.write(
                                java.util.Map.of("status", "DOWN", "reason", String.valueOf(failed))), keepAlive, head);
                    }
                }));
                break;
            case "/health/ready":
                Health.Report ready = health.ready();
                send(ctx, HttpResponseStatus.valueOf(ready.status()), JSON, ready.json(), keepAlive, head);
                break;
            default:
                Metrics.Scrape scrape = metrics.scrape(req.headers().get(HttpHeaderNames.ACCEPT));
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(scrape.body()));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, scrape.contentType());
                HttpUtil.setContentLength(res, scrape.body().length);
                write(ctx, res, keepAlive);
                break;
        }
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
            boolean keepAlive, boolean head) {
        write(ctx, response(status, type, body, head), keepAlive);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, String body, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        HttpUtil.setContentLength(res, bytes.length);
        return res;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.writeAndFlush(res);
    }

    /** A failed scrape or health check: logged, and the connection closed (a scraper sees the failure). */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            LOG.debug("Admin connection {} failed", ctx.channel(), cause);
        } else {
            LOG.warn("Admin request on {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }
}
