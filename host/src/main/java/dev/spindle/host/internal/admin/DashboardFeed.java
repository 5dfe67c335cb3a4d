package dev.spindle.host.internal.admin;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The admin listener's {@code GET /events}, called by the {@link AdminHandler} on the admin event
 * loop: a server-sent event stream per dashboard, on its own connection. A new dashboard gets one
 * {@code first} event ({@link DashboardState#first}), then every dashboard a {@code sample} event
 * each {@value #TICK_MILLIS} ms, one serialization shared by all. The samples are taken only while
 * a dashboard watches.
 *
 * <p>Buffering is bounded per dashboard: the channel's write-buffer high-water mark (see
 * {@link AdminListener}) makes a dashboard that does not read unwritable, and it then misses the
 * samples (never queued); after {@value #MAX_MISSED} missed in a row it is closed. A closed
 * connection (the browser went away) leaves the {@link ChannelGroup} by itself; the last one to go
 * stops the sampling.
 */
final class DashboardFeed {

    static final long TICK_MILLIS = 1000;
    /** Samples a dashboard may miss in a row for not reading before it is closed. */
    static final int MAX_MISSED = 10;
    static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
    private static final AttributeKey<Integer> MISSED = AttributeKey.valueOf(DashboardFeed.class, "missed");

    private final DashboardState state;
    private ChannelGroup dashboards;
    private ScheduledFuture<?> ticking;

    DashboardFeed(DashboardState state) {
        this.state = state;
    }

    /** Answers the request on {@code ctx} with the stream, which stays open until either side closes it. */
    void subscribe(ChannelHandlerContext ctx) {
        EventExecutor loop = ctx.executor();
        if (dashboards == null) {
            dashboards = new DefaultChannelGroup("spindle-dashboards", loop);
        }
        Channel ch = ctx.channel();
        if (ch.pipeline().get(ReadTimeoutHandler.class) != null) {
            ch.pipeline().remove(ReadTimeoutHandler.class); // a dashboard only listens
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM);
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head);
        boolean none = dashboards.isEmpty();
        if (none) {
            state.reset();
        }
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("retry: 2000\n\n"
                + event("first", Json.write(state.first())), StandardCharsets.UTF_8)));
        ch.attr(MISSED).set(0);
        dashboards.add(ch);
        if (ticking == null) {
            ticking = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** How many dashboards are connected. */
    int dashboards() {
        return dashboards == null ? 0 : dashboards.size();
    }

    /** One sample to every dashboard that reads; stops when none is left. */
    private void tick() {
        if (dashboards.isEmpty()) {
            ticking.cancel(false);
            ticking = null;
            return;
        }
        ByteBuf sample = Unpooled.copiedBuffer(event("sample", Json.write(state.sample())), StandardCharsets.UTF_8);
        try {
            for (Channel ch : dashboards) {
                if (ch.isWritable()) {
                    ch.attr(MISSED).set(0);
                    ch.writeAndFlush(new DefaultHttpContent(sample.retainedDuplicate()));
                } else if (ch.attr(MISSED).get() + 1 >= MAX_MISSED) {
                    ch.close();
                } else {
                    ch.attr(MISSED).set(ch.attr(MISSED).get() + 1);
                }
            }
        } finally {
            sample.release();
        }
    }

    /** An event of the stream: its name, its JSON on one {@code data:} line (JSON has no raw newline). */
    static String event(String name, String json) {
        return "event: " + name + "\ndata: " + json.strip() + "\n\n";
    }
}
