package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.http.codec.ResponseEncoder;
import io.netty.buffer.ByteBuf;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import io.netty.buffer.Unpooled;

/**
 * Whole responses written in one read batch share one buffer ({@link ResponseEncoder}); every
 * other message keeps its place on the wire.
 */
class ResponseBatchTest {

    private static final String KEEP = "Date: <DATE>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }

    private static String hello(String body) {
        return "HTTP/1.1 200 OK\r\n" + KEEP + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** The buffers the server wrote for one read of {@code raw}, each as text. */
    private static List<String> buffers(Wire wire, String raw) {
        wire.ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        wire.ch.runPendingTasks();
        List<String> out = new ArrayList<>();
        Object o;
        while ((o = wire.ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            out.add(b.toString(StandardCharsets.ISO_8859_1).replaceAll("\r\nDate: [^\r]+ GMT\r\n", "\r\nDate: <DATE>\r\n"));
            b.release();
        }
        return out;
    }

    @Test
    void pipelinedWholeResponsesLeaveInOneBuffer() {
        Wire wire = new Wire((req, res) -> res.end("hello " + req.url()));
        List<String> out = buffers(wire, get("/1") + get("/2") + get("/3"));
        assertEquals(List.of(hello("hello /1") + hello("hello /2") + hello("hello /3")), out);
        wire.close();
    }

    /**
     * {@code end(string)} hands short text to the encoder, which writes its utf8 bytes after the
     * head: the length is in bytes, not chars, a HEAD response has neither length nor body (as
     * Node's), and text over the limit in bytes (though not in chars) still goes out whole and in
     * order.
     */
    @Test
    void textBodiesAreFramedByTheirUtf8Length() {
        String accented = "h\u00e9llo \u20ac \uD83D\uDE00";
        String wide = "\u20ac".repeat(500); // 500 chars, 1,500 bytes
        Wire wire = new Wire((req, res) -> res.end(req.url().equals("/wide") ? wide : accented));
        wire.ch.writeInbound(Unpooled.copiedBuffer(get("/a") + "HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + get("/wide") + get("/b"),
                StandardCharsets.ISO_8859_1));
        wire.ch.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = wire.ch.readOutbound()) != null) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        String out = all.toString(StandardCharsets.UTF_8).replaceAll("\r\nDate: [^\r]+ GMT\r\n", "\r\nDate: <DATE>\r\n");
        all.release();
        String head = "HTTP/1.1 200 OK\r\n" + KEEP + "Content-Length: 15\r\n\r\n";
        assertEquals(head + accented + "HTTP/1.1 200 OK\r\n" + KEEP + "\r\n" + "HTTP/1.1 200 OK\r\n" + KEEP + "Content-Length: 1500\r\n\r\n" + wide
                + head + accented, out);
        wire.close();
    }

    @Test
    void streamedAndLargeResponsesKeepTheirPlaceBetweenBatchedOnes() {
        String large = "x".repeat(ResponseEncoder.COPY_LIMIT + 1);
        Wire wire = new Wire((req, res) -> {
            switch (req.url()) {
                case "/streamed":
                    res.write("ab");
                    res.end("c");
                    break;
                case "/large":
                    res.end(large);
                    break;
                case "/chunked":
                    res.setHeader("Transfer-Encoding", "chunked");
                    res.end("dd");
                    break;
                default:
                    res.end(req.url());
            }
        });
        String out = String.join("", buffers(wire,
                get("/a") + get("/streamed") + get("/b") + get("/large") + get("/c") + get("/chunked") + get("/d")));
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + KEEP + "\r\n2\r\ndd\r\n0\r\n\r\n";
        assertEquals(hello("/a")
                + "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
                + hello("/b") + hello(large) + hello("/c") + chunked + hello("/d"), out);
        wire.close();
    }

    @Test
    void aFullBatchBufferGoesOnAndNothingIsLost() {
        Wire wire = new Wire((req, res) -> res.end(req.url().substring(1)));
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        int n = 3 * ResponseEncoder.BATCH_BYTES / hello("x").length();
        for (int i = 0; i < n; i++) {
            in.append(get("/" + i));
            expected.append(hello(Integer.toString(i)));
        }
        List<String> out = buffers(wire, in.toString());
        assertTrue(out.size() >= 3, out.size() + " buffers");
        for (String b : out) {
            assertTrue(b.length() <= ResponseEncoder.BATCH_BYTES, "a batch buffer grew to " + b.length());
        }
        assertEquals(expected.toString(), String.join("", out));
        wire.close();
    }

    @Test
    void everyBatchedResponseFinishesOnceItsBufferIsWritten() {
        AtomicInteger finished = new AtomicInteger();
        Wire wire = new Wire((req, res) -> {
            res.onFinish(finished::incrementAndGet);
            res.end("ok");
        });
        List<String> out = buffers(wire, get("/1") + get("/2") + get("/3"));
        assertEquals(1, out.size());
        assertEquals(3, finished.get());
        wire.close();
    }

    @Test
    void aBatchStillUnflushedWhenTheConnectionClosesIsDropped() {
        Wire wire = new Wire((req, res) -> res.end("unsent"));
        ResponseEncoder encoder = wire.ch.pipeline().get(ResponseEncoder.class);
        // a read without its read-complete: the response waits for the batch's flush
        wire.ch.pipeline().fireChannelRead(Unpooled.copiedBuffer(get("/1"), StandardCharsets.ISO_8859_1));
        assertTrue(encoder.batched() > 0);
        wire.ch.close();
        assertEquals(0, encoder.batched());
        assertNull(wire.ch.readOutbound(), "unflushed writes are dropped on close, as Netty drops them");
        wire.close();
    }

    @Test
    void byteChunksAreFramedInTheirOwnBufferAsNettyWouldFrameThem() {
        byte[] a = "abc".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "x".repeat(300).getBytes(StandardCharsets.US_ASCII);
        Wire wire = new Wire((req, res) -> {
            res.write(a);
            a[0] = 'z'; // written data is a copy
            res.write(b);
            res.end();
        });
        List<String> out = buffers(wire, get("/s"));
        assertEquals(List.of(
                "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n",
                "3\r\nabc\r\n",
                "12c\r\n" + "x".repeat(300) + "\r\n",
                "0\r\n\r\n"), out);
        wire.close();
    }

    @Test
    void byteChunksOfAFixedLengthBodyGoOutAsTheyAre() {
        Wire wire = new Wire((req, res) -> {
            res.setHeader("Content-Length", "5");
            res.write("ab".getBytes(StandardCharsets.US_ASCII));
            res.end("cde".getBytes(StandardCharsets.US_ASCII));
        });
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + KEEP + "\r\nabcde", String.join("", buffers(wire, get("/f"))));
        wire.close();
    }

    @Test
    void byteChunksOfAHeadResponseAreDropped() {
        Wire wire = new Wire((req, res) -> {
            res.write("abc".getBytes(StandardCharsets.US_ASCII));
            res.end();
        });
        String out = String.join("", buffers(wire, "HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK\r\n" + KEEP + "\r\n", out);
        wire.close();
    }
}
