package dev.spindle.host.internal.http.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reply sent from a message listener is flushed at the read's end; these tests prove that it
 * still reaches the wire when the connection closes within that same read: the handler terminates
 * it or starts the closing handshake right after sending, or a protocol error follows the message
 * in the same batch (over real sockets, raw frames, {@link WebSocketProtocolTest}'s engine).
 */
class WebSocketFlushTest {

    /** Big enough that the socket cannot take it in one write: the rest waits in Netty's outbound buffer. */
    static final int BIG = 16 << 20;
    /** A long close timeout: the peer reads the big message well within it, even on a loaded machine. */
    static final WebSocketSettings SETTINGS = new WebSocketSettings(1024, 4096, 64 * 1024, 0, 30_000, false);

    private final WebSocketProtocolTest fixture = new WebSocketProtocolTest();
    private final BlockingQueue<String> buffered = new LinkedBlockingQueue<>();
    /** 64 MiB: far more than a loopback connection's socket buffers take, however the kernel tunes them. */
    private static final int FLOOD_MESSAGES = 128;
    private static final int FLOOD_BYTES = 512 * 1024;

    @AfterEach
    void stop() {
        fixture.stop();
    }

    /** A handler that answers "terminate", "close" and "big" by sending, then terminating, closing, or nothing more. */
    private InetSocketAddress start() throws InterruptedException {
        return fixture.start(SETTINGS, (req, socket) -> socket.onMessage(m -> {
            switch (m.text()) {
                case "terminate" -> {
                    socket.send("last");
                    socket.terminate();
                }
                case "close" -> {
                    socket.send("last");
                    socket.close(4000, "done");
                }
                case "big" -> socket.send(new byte[BIG]);
                case "burst" -> {
                    for (String each : List.of("a", "b", "c")) {
                        socket.send(each);
                    }
                    socket.send("d", e -> buffered.add("after d: " + socket.bufferedAmount() + " " + e));
                    socket.send("e");
                }
                case "buffered" -> socket.send("buffered " + socket.bufferedAmount());
                case "flood" -> new Thread(() -> { // off the event loop: each message is flushed on its own
                    socket.onDrain(() -> buffered.add("drain"));
                    for (int i = 0; i < FLOOD_MESSAGES; i++) {
                        socket.send(new byte[FLOOD_BYTES]);
                    }
                    buffered.add("flooded " + socket.bufferedAmount());
                }).start();
                default -> socket.send(m.text());
            }
        }), List.of());
    }

    private static WsWire open(InetSocketAddress at) throws Exception {
        WsWire c = new WsWire(at);
        c.handshake(WsWire.upgrade("/ws", ""));
        return c;
    }

    @Test
    void aMessageSentJustBeforeTerminateReachesTheWire() throws Exception {
        try (WsWire c = open(start())) {
            c.sendText("terminate");
            WsWire.Frame f = c.read();
            assertEquals(WsWire.TEXT, f.opcode());
            assertEquals("last", f.text());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aMessageSentJustBeforeCloseGoesOutBeforeTheCloseFrame() throws Exception {
        try (WsWire c = open(start())) {
            c.sendText("close");
            assertEquals("last", c.read().text());
            WsWire.Frame f = c.read();
            assertEquals(WsWire.CLOSE, f.opcode());
            assertEquals(4000, f.closeCode());
        }
    }

    @Test
    void aMessageSentBeforeAProtocolErrorInTheSameBatchIsWrittenWholeBeforeTheClose() throws Exception {
        try (WsWire c = open(start())) {
            // one write: a message the handler answers with 16 MiB, then an unmasked frame (1002)
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.writeBytes(WsWire.frame(true, 0, WsWire.TEXT, "small".getBytes(StandardCharsets.UTF_8), true));
            batch.writeBytes(WsWire.frame(true, 0, WsWire.TEXT, "big".getBytes(StandardCharsets.UTF_8), true));
            batch.writeBytes(WsWire.frame(true, 0, WsWire.TEXT, "x".getBytes(StandardCharsets.UTF_8), false));
            c.out.write(batch.toByteArray());
            c.out.flush();
            assertEquals("small", c.read().text());
            WsWire.Frame f = c.read();
            assertEquals(WsWire.BINARY, f.opcode());
            assertArrayEquals(new byte[BIG], f.payload());
            f = c.read();
            assertEquals(WsWire.CLOSE, f.opcode());
            assertEquals(1002, f.closeCode());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void messagesSentInOneReadAreAccountedTogetherAndCallbacksSeeTheOnesBefore() throws Exception {
        try (WsWire c = open(start())) {
            c.sendText("burst");
            for (String each : List.of("a", "b", "c", "d", "e")) {
                assertEquals(each, c.read().text());
            }
            // when d's callback runs, a, b, c and d are written: only e (1 byte) may still count
            String seen = buffered.poll(10, TimeUnit.SECONDS);
            assertTrue(seen != null && seen.matches("after d: [01] null"), seen);
            // the read's batch is accounted: nothing is left buffered when the next message arrives
            c.sendText("buffered");
            assertEquals("buffered 0", c.read().text());
        }
    }

    @Test
    void messagesTheSocketCannotTakeAtOnceStayInBufferedAmountUntilWrittenThenDrain() throws Exception {
        try (WsWire c = open(start())) {
            c.sendText("flood");
            // a drain may come while the flood is still sent (the kernel took some): the sender's count is the one
            String flooded = buffered.poll(10, TimeUnit.SECONDS);
            while (flooded != null && flooded.equals("drain")) {
                flooded = buffered.poll(10, TimeUnit.SECONDS);
            }
            // sent while the client does not read: most of it waits in the socket's buffer
            assertTrue(flooded != null && flooded.startsWith("flooded ")
                    && Long.parseLong(flooded.substring(8)) > 16L << 20, flooded);
            for (int i = 0; i < FLOOD_MESSAGES; i++) {
                assertEquals(FLOOD_BYTES, c.read().payload().length);
            }
            assertEquals("drain", buffered.poll(10, TimeUnit.SECONDS), "a drain once what the flood left is written");
            c.sendText("buffered");
            assertEquals("buffered 0", c.read().text());
        }
    }
}
