package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.IncomingMessage;

/**
 * HTTP/2 request bodies and flow control over a real socket: a paused body stops its stream's
 * window updates (its bytes are not consumed), not the connection's, so the other streams of the
 * connection go on; resuming it reopens the stream's window.
 */
class Http2FlowControlTest {

    @RegisterExtension
    final TestEngine server = new TestEngine();

    @Test
    void aPausedBodyStopsItsStreamsWindowUpdatesNotTheConnections() throws Exception {
        AtomicReference<IncomingMessage> paused = new AtomicReference<>();
        AtomicInteger received = new AtomicInteger();
        InetSocketAddress at = server.start((req, res) -> {
            if (req.path().equals("/paused")) {
                paused.set(req);
                req.pause();
                req.onData(chunk -> received.addAndGet(chunk.length));
                req.onEnd(() -> res.end("got " + received.get()));
            } else if (req.path().equals("/resume")) {
                paused.get().resume(); // same connection, same event loop
                res.end("resumed");
            } else {
                res.end("ok");
            }
        });

        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("POST", "/paused"), false);
            // 40000 bytes: more than half of the stream's 65535-byte window, after which Netty
            // would send the stream a WINDOW_UPDATE if the bytes were consumed
            w.data(1, new byte[16_384], false);
            w.data(1, new byte[16_384], false);
            w.data(1, new byte[7_232], false);
            w.headers(3, H2Wire.request("GET", "/other"), true);
            assertEquals("ok", untilEnd(w, 3, false), "another stream of the connection is served meanwhile");
            assertEquals(0, received.get(), "paused: nothing delivered");

            w.headers(5, H2Wire.request("GET", "/resume"), true);
            assertEquals("resumed", untilEnd(w, 5, true), "the resumed stream's window reopens");
            w.data(1, new byte[1000], true);
            assertEquals("got 41000", w.response(1).text());
        }
    }

    /**
     * Reads frames until {@code stream} ends; returns its DATA as text. Asserts whether a
     * WINDOW_UPDATE for stream 1 came on the way ({@code windowOfStream1}); with it, reads on
     * until one has come.
     */
    private static String untilEnd(H2Wire w, int stream, boolean windowOfStream1) throws Exception {
        StringBuilder body = new StringBuilder();
        boolean ended = false;
        boolean window = false;
        while (!ended || windowOfStream1 && !window) {
            H2Wire.Frame f = w.read();
            assertNotNull(f, "the connection stays open");
            if (f.type() == H2Wire.WINDOW_UPDATE && f.stream() == 1) {
                assertTrue(ByteBuffer.wrap(f.payload()).getInt() >= 40_000, "the held bytes are given back");
                window = true;
            }
            if (f.stream() == stream && f.type() == H2Wire.DATA) {
                body.append(new String(f.payload(), StandardCharsets.UTF_8));
            }
            ended |= f.stream() == stream && f.endStream();
        }
        if (!windowOfStream1) {
            assertFalse(window, "no WINDOW_UPDATE for the paused stream");
        }
        return body.toString();
    }
}
