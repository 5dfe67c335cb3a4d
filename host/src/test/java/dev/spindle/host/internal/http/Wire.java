package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The engine's pipeline on an {@link EmbeddedChannel}: raw request bytes in, raw response bytes
 * out, with the {@code Date} value masked. Tasks handed to the event loop run on {@link #send}.
 */
final class Wire implements AutoCloseable {

    final EmbeddedChannel ch;
    final Dispatcher dispatcher;

    Wire(Handler handler) {
        this(route(handler), EngineSettings.defaults(), Runnable::run);
    }

    Wire(HandlerResolver resolver, EngineSettings settings, Executor workers) {
        this(new Dispatcher(resolver, workers), settings);
    }

    /** A connection of a server whose other connections share {@code dispatcher}. */
    Wire(Dispatcher dispatcher, EngineSettings settings) {
        this.dispatcher = dispatcher;
        this.ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                HttpEngine.initPipeline(c, settings, dispatcher);
            }
        });
    }

    /** Every path served by {@code handler}. */
    static HandlerResolver route(Handler handler) {
        RouteTarget target = new RouteTarget(handler, 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        return (method, path) -> found;
    }

    /** Sends raw bytes (latin-1), runs what the event loop has queued, returns what came out. */
    String send(String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        return output();
    }

    /** What the server wrote since the last call, after running queued event-loop tasks. */
    String output() {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString().replaceAll("\r\nDate: [^\r]+ GMT\r\n", "\r\nDate: <DATE>\r\n");
    }

    /** Advances the embedded clock and runs the tasks that became due. */
    void advance(long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    boolean open() {
        ch.runPendingTasks();
        return ch.isOpen();
    }

    /**
     * Closes the connection as a client would and fails the test if a message is left on the
     * channel: output the test never read, or something that reached the end of the pipeline.
     * Everything left is released either way. This is {@link EmbeddedChannel#finishAndReleaseAll()},
     * taken in its two steps ({@code finish}, then the releases) so that the failure can say what
     * was left.
     */
    @Override
    public void close() {
        try {
            boolean left = ch.finish();
            assertFalse(left, () -> "finishAndReleaseAll() would return true, left on the channel:"
                    + describe("inbound", ch.inboundMessages()) + describe("outbound", ch.outboundMessages()));
        } finally {
            ch.releaseInbound();
            ch.releaseOutbound();
        }
    }

    /** The messages of one queue, buffers as (shortened) latin-1 text, without consuming them. */
    private static String describe(String side, Queue<Object> messages) {
        StringBuilder sb = new StringBuilder();
        for (Object o : messages) {
            sb.append("\n  ").append(side).append(' ');
            if (o instanceof ByteBuf b) {
                if (b.refCnt() == 0) {
                    sb.append("ByteBuf (already released)");
                } else {
                    String text = b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.ISO_8859_1);
                    if (text.length() > 200) {
                        text = text.substring(0, 200) + "...";
                    }
                    sb.append("ByteBuf ").append(b.readableBytes()).append(" bytes: ")
                            .append(text.replace("\r", "\\r").replace("\n", "\\n"));
                }
            } else {
                sb.append(o.getClass().getName()).append(": ").append(o);
            }
        }
        return sb.toString();
    }
}
