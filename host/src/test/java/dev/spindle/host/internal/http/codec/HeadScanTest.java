package dev.spindle.host.internal.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledHeapByteBuf;

/** The decoder's look at a request head as it arrives: complete, refused at once, or linear to wait for. */
class HeadScanTest {

    /** A buffer that counts the bytes read from it, one by one or by a search. */
    private static final class Counting extends UnpooledHeapByteBuf {
        long visited;

        Counting() {
            super(ByteBufAllocator.DEFAULT, 256, 1 << 20);
        }

        @Override
        public byte getByte(int index) {
            visited++;
            return super.getByte(index);
        }

        @Override
        public int indexOf(int fromIndex, int toIndex, byte value) {
            int found = super.indexOf(fromIndex, toIndex, value);
            visited += (found < 0 ? toIndex : found + 1) - fromIndex;
            return found;
        }
    }

    private static int scan(String head, int skip) {
        ByteBuf buf = Unpooled.directBuffer();
        try {
            buf.writeBytes(new byte[skip]).readerIndex(skip); // the head need not start at 0
            buf.writeCharSequence(head, StandardCharsets.ISO_8859_1);
            return new HeadScanner(8192, 16384).scan(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void findsTheEndOfAHead() {
        assertEquals(HeadScanner.COMPLETE, scan("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0));
        assertEquals(HeadScanner.COMPLETE, scan("GET / HTTP/1.0\r\n\r\n", 3));
        assertEquals(HeadScanner.COMPLETE, scan("\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Y: \r\n\r\nbody", 0));
        assertEquals(HeadScanner.COMPLETE, scan("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n", 0));
    }

    @Test
    void waitsForTheRestOfAHead() {
        assertEquals(HeadScanner.INCOMPLETE, scan("", 0));
        assertEquals(HeadScanner.INCOMPLETE, scan("GE", 0));
        assertEquals(HeadScanner.INCOMPLETE, scan("GET /x HTTP/1.1\r", 0));
        assertEquals(HeadScanner.INCOMPLETE, scan("GET /x HTTP/1.1\r\nHost: a", 0));
        assertEquals(HeadScanner.INCOMPLETE, scan("GET /x HTTP/1.1\r\nHost: a\r\n\r", 0));
    }

    /** What can never become a valid head is refused as soon as that is certain. */
    @ParameterizedTest
    @ValueSource(strings = {
        "\u0016\u0003\u0001", // a TLS ClientHello on the cleartext port
        "{\"json\":",
        " GET / HTTP/1.1",
        "GET\t/ HTTP/1.1",
        "GET  /",
        "GET /\r\n",
        "GET / HTTP/1.1\n",
        "GET / HTTX",
        "GET / HTTP/1.1x",
        "GET / HTTP/a.1",
        "GET / HTTP/1.1\r\nHost: a\n",
        "GET / HTTP/1.1\r\nHost: a\r\n continued",
        "GET / HTTP/1.1\r\nHost : a\r\n",
        "GET / HTTP/1.1\r\n: a\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\rX",
        "GET / HTTP/1.1\r\nHost: a\r\n\n",
    })
    void refusesAtOnceWhatCanNeverBeAHead(String start) {
        assertEquals(HeadScanner.REFUSED, scan(start, 0), start);
        assertEquals(HeadScanner.REFUSED, scan(start, 5), start);
    }

    /**
     * A whole head in one read takes the line-by-line path: it refuses heads without their
     * structure; the rest (a method or header name that is not a token, control bytes, a bare LF
     * inside) is left to Netty's strict parser, which refuses it in the same read
     * (HostileInputTest, RequestGateTest).
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "GET /x\r\nHost: a\r\n\r\n",
        "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /x HTTP/1.1x\r\nHost: a\r\n\r\n",
        "GET /x HTTP/1.1\nHost: a\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\r\n\rX\r\n",
    })
    void refusesWholeHeadsWithoutTheirStructure(String head) {
        assertEquals(HeadScanner.REFUSED, scan(head, 0), head);
        assertEquals(HeadScanner.REFUSED, scan(head, 7), head);
    }

    /**
     * A request-target holds visible ASCII only (0x21-0x7e), as Node's llhttp requires: a control
     * byte, DEL or a byte above 0x7f anywhere in the path or query is refused, whether the head
     * arrives whole (the line-by-line path) or a byte at a time (the state machine).
     */
    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x08, 0x09, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0xa0, 0xc3, 0xff})
    void refusesATargetByteOutsideVisibleAscii(int c) {
        for (String target : new String[] {"/a" + (char) c + "b", "/a?q=" + (char) c, "http://host/" + (char) c}) {
            String head = "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
            assertEquals(HeadScanner.REFUSED, scan(head, 0), target);
            assertEquals(HeadScanner.REFUSED, scan(head, 7), target);
            assertEquals(HeadScanner.REFUSED, byteByByte(head), target);
        }
    }

    /** Every visible ASCII byte is a target byte, those RFC 3986 leaves out included, as llhttp takes them. */
    @Test
    void takesEveryVisibleAsciiByteInATarget() {
        StringBuilder all = new StringBuilder("/");
        for (char c = 0x21; c < 0x7f; c++) {
            all.append(c);
        }
        String head = "GET " + all + " HTTP/1.1\r\nHost: a\r\n\r\n";
        assertEquals(HeadScanner.COMPLETE, scan(head, 0));
        assertEquals(HeadScanner.COMPLETE, byteByByte(head));
    }

    /** The result of scanning {@code head} as it arrives one byte per read. */
    private static int byteByByte(String head) {
        ByteBuf buf = Unpooled.buffer();
        try {
            HeadScanner scanner = new HeadScanner(8192, 16384);
            int result = HeadScanner.INCOMPLETE;
            for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) {
                buf.writeByte(b);
                result = scanner.scan(buf);
                if (result != HeadScanner.INCOMPLETE) {
                    break;
                }
            }
            return result;
        } finally {
            buf.release();
        }
    }

    @Test
    void aHeadOverTheLimitsGoesToNettyAtOnce() {
        HeadScanner s = new HeadScanner(64, 256);
        ByteBuf line = Unpooled.copiedBuffer("GET /" + "a".repeat(100), StandardCharsets.ISO_8859_1);
        ByteBuf headers = Unpooled.copiedBuffer("GET / HTTP/1.1\r\nX: " + "b".repeat(300), StandardCharsets.ISO_8859_1);
        try {
            assertEquals(HeadScanner.TOO_LONG, s.scan(line));
            assertEquals(HeadScanner.TOO_LONG, new HeadScanner(64, 256).scan(headers));
        } finally {
            line.release();
            headers.release();
        }
    }

    /**
     * A head dribbled in one byte per read is looked at once, not again from its start on every
     * read: the bytes visited grow with the head, not with its square.
     */
    @ParameterizedTest
    @ValueSource(ints = {1024, 16 * 1024})
    void aHeadArrivingByteByByteCostsLinearWork(int size) {
        StringBuilder head = new StringBuilder("GET /dribble HTTP/1.1\r\nHost: a\r\n");
        while (head.length() < size - 16) {
            head.append("X-Pad: ").append("v".repeat(Math.min(40, size - head.length()))).append("\r\n");
        }
        head.append("\r\n");
        byte[] bytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        Counting buf = new Counting();
        HeadScanner scanner = new HeadScanner(8192, 64 * 1024);
        int result = HeadScanner.INCOMPLETE;
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(HeadScanner.INCOMPLETE, result, "complete before its end, at byte " + i);
            buf.writeByte(bytes[i]);
            result = scanner.scan(buf);
        }
        assertEquals(HeadScanner.COMPLETE, result);
        assertTrue(buf.visited <= 3L * bytes.length, buf.visited + " bytes visited for a head of " + bytes.length);
        buf.release();
    }
}
