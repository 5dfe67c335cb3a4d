package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.api.Handler;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;

/**
 * A client that stops reading while only a little of its response waits for the socket: the
 * socket takes nothing more (its buffers are full), and what waits in the server stays under the
 * write buffer's high-water mark, so the channel never turns unwritable. An {@link EmbeddedChannel}
 * whose socket takes nothing stands for it. The client must still be closed after
 * {@code writeTimeoutMillis}, or it holds the connection and its exchange for ever: a slow reader
 * can aim for this state on purpose.
 */
class StalledClientTest {

    private static final long WRITE_TIMEOUT = 300;
    private static final byte[] BODY = new byte[4 * 1024]; // under the write buffer's high-water mark (Node's 16 KiB)

    /** The engine's pipeline on a channel whose socket takes nothing while {@link #stalled}. */
    private static final class StalledChannel extends EmbeddedChannel {
        boolean stalled;

        StalledChannel(ChannelInitializer<Channel> init) {
            super(init);
        }

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (!stalled) {
                super.doWrite(in);
            }
        }
    }

    private StalledChannel ch;

    @AfterEach
    void close() {
        if (ch != null) {
            ch.stalled = false;
            ch.finishAndReleaseAll();
        }
    }

    private StalledChannel open(Handler handler) {
        EngineSettings settings = Settings.defaults().writeTimeoutMillis(WRITE_TIMEOUT).build();
        Dispatcher dispatcher = new Dispatcher(Wire.route(handler), Runnable::run);
        ch = new StalledChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                HttpEngine.initPipeline(c, settings, dispatcher);
            }
        });
        ch.stalled = true;
        return ch;
    }

    private void request() {
        ch.writeInbound(Unpooled.copiedBuffer("GET /x HTTP/1.1\r\nHost: t\r\n\r\n", StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
    }

    private void advance(long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    /**
     * With {@code Connection: close} the close waited for the tail for ever; kept alive, the
     * exchange never finished, so the keep-alive timer (5 s) never started either.
     */
    @ParameterizedTest(name = "Connection: close {0}")
    @ValueSource(booleans = {true, false})
    void anHttp1ResponseLeftWaitingUnderTheHighWaterMarkIsTimedOut(boolean connectionClose) {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        open((req, res) -> {
            res.onDone(outcomes::add);
            if (connectionClose) {
                res.setHeader("Connection", "close");
            }
            res.end(BODY);
        });
        request();
        assertTrue(ch.isWritable(), "under the high-water mark");
        assertTrue(ch.isActive(), "waiting for the socket");
        advance(WRITE_TIMEOUT + 50);
        assertFalse(ch.isActive(), "closed after the write timeout");
        assertEquals(Outcome.TIMED_OUT, outcomes.poll());
    }

    /** An HTTP/2 client (prior knowledge) asking for {@code /x} on stream 1. */
    private void h2Request() throws Exception {
        ByteBuf block = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder().encodeHeaders(1, H2Wire.request("GET", "/x"), block);
        byte[] headers = new byte[block.readableBytes()];
        block.readBytes(headers).release();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(H2Wire.PREFACE);
        in.writeBytes(H2Wire.frameBytes(H2Wire.SETTINGS, 0, 0, new byte[0]));
        in.writeBytes(H2Wire.frameBytes(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, 1, headers));
        ch.writeInbound(in);
        ch.runPendingTasks();
    }

    @Test
    void anHttp2ResponseLeftWaitingUnderTheHighWaterMarkIsTimedOut() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        open((req, res) -> {
            res.onDone(outcomes::add);
            res.end(BODY);
        });
        h2Request();
        assertTrue(ch.isWritable(), "under the high-water mark");
        assertTrue(ch.isActive(), "waiting for the socket");
        advance(WRITE_TIMEOUT + 50);
        assertFalse(ch.isActive(), "closed after the write timeout (the stream's END_STREAM never reached the socket)");
        assertEquals(Outcome.TIMED_OUT, outcomes.poll());
    }

    @Test
    void aResponseTheSocketTakesBeforeTheWriteTimeoutKeepsTheConnection() {
        open((req, res) -> res.end(BODY));
        request();
        advance(WRITE_TIMEOUT / 2);
        ch.stalled = false;
        ch.flushOutbound(); // the client reads again: the socket takes it all
        advance(WRITE_TIMEOUT);
        assertTrue(ch.isActive(), "kept alive: everything reached the socket in time");
        request();
        advance(WRITE_TIMEOUT * 2);
        assertTrue(ch.isActive(), "the next response went out at once: nothing left to time out");
    }
}
