package dev.spindle.host.internal.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

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
 * {@code /health/ready} and {@code /metrics}, {@code GET} of {@code /events} (the dashboard's
 * stream, see {@link DashboardFeed}), and of the files bundles mount ({@link AdminResources});
 * {@code /} leads to the first mount. Anything else gets 404 or 405. Shared by every admin
 * connection; runs on the admin listener's own event loop, never on the engine's.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String JSON = "application/json; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    private static final List<String> OWN = List.of("/health/live", "/health/ready", "/metrics", "/events");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8", "json", JSON,
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "txt", "text/plain; charset=utf-8");

    private final Health health;
    private final Metrics metrics;
    private final DashboardFeed feed;
    private final AdminResources resources;

    /** With no dashboard: the health and metrics endpoints only. */
    AdminHandler(Health health, Metrics metrics) {
        this(health, metrics, null, null);
    }

    /** @param feed the {@code /events} stream, or null; @param resources the bundles' files, or null */
    AdminHandler(Health health, Metrics metrics, DashboardFeed feed, AdminResources resources) {
        this.health = health;
        this.metrics = metrics;
        this.feed = feed;
        this.resources = resources;
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
        boolean own = OWN.contains(path) && (feed != null || !"/events".equals(path));
        boolean read = head || HttpMethod.GET.equals(req.method());
        if (!own) {
            file(ctx, path, read, keepAlive, head);
            return;
        }
        if (!read) {
            notAllowed(ctx, keepAlive);
            return;
        }
        switch (path) {
            case "/events":
                if (head) {
                    send(ctx, HttpResponseStatus.OK, DashboardFeed.EVENT_STREAM, "", keepAlive, true);
                } else {
                    feed.subscribe(ctx);
                }
                break;
            case "/health/live":
                health.live().whenComplete((report, failed) -> ctx.executor().execute(() -> {
                    if (report != null) {
                        send(ctx, HttpResponseStatus.valueOf(report.status()), JSON, report.json(), keepAlive, head);
                    } else {
                        send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, JSON, Json.write(
                                Map.of("status", "DOWN", "reason", String.valueOf(failed))), keepAlive, head);
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

    private static void notAllowed(ChannelHandlerContext ctx, boolean keepAlive) {
        FullHttpResponse res = response(HttpResponseStatus.METHOD_NOT_ALLOWED, JSON,
                "{\"error\":\"method not allowed\"}\n", false);
        res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        write(ctx, res, keepAlive);
    }

    /** A mounted file, {@code /} sent to the first mount, or 404 with the endpoints; 405 unless {@code read}. */
    private void file(ChannelHandlerContext ctx, String path, boolean read, boolean keepAlive, boolean head) {
        List<String> mounted = resources == null ? List.of() : resources.paths();
        AdminResources.Lookup found = resources == null ? new AdminResources.Missing()
                : "/".equals(path) && !mounted.isEmpty() ? new AdminResources.Redirect(mounted.get(0) + "/")
                : resources.find(path);
        if (!read && !(found instanceof AdminResources.Missing)) {
            notAllowed(ctx, keepAlive);
        } else if (found instanceof AdminResources.Redirect r) {
            FullHttpResponse res = response(HttpResponseStatus.FOUND, "text/plain; charset=utf-8", r.location() + "\n", head);
            res.headers().set(HttpHeaderNames.LOCATION, r.location());
            write(ctx, res, keepAlive);
        } else if (found instanceof AdminResources.Found f) {
            byte[] bytes;
            try (InputStream in = f.entry().openStream()) {
                bytes = in.readAllBytes(); // a bundle's entry: a page, a script, small
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // the bundle went: exceptionCaught closes
            }
            String name = f.entry().getPath();
            String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            HttpUtil.setContentLength(res, bytes.length);
            write(ctx, res, keepAlive);
        } else {
            List<String> endpoints = new java.util.ArrayList<>(OWN.subList(0, feed == null ? 3 : 4));
            mounted.forEach(m -> endpoints.add(m + "/"));
            send(ctx, HttpResponseStatus.NOT_FOUND, JSON, Json.write(Map.of("error", "not found", "endpoints", endpoints)),
                    keepAlive, head);
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
