package dev.spindle.host.internal.http;

import java.nio.charset.StandardCharsets;
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

    /** Closes the connection as a client would; true if nothing was left unreleased. */
    @Override
    public void close() {
        ch.finishAndReleaseAll();
    }
}
