package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** The decoder's look for the end of a head and for obs-fold lines (Netty would fold them silently). */
class HeadScanTest {

    private static int scan(String head, int skip) {
        ByteBuf buf = Unpooled.directBuffer();
        try {
            buf.writeBytes(new byte[skip]).readerIndex(skip); // the head need not start at 0
            buf.writeCharSequence(head, StandardCharsets.ISO_8859_1);
            return RequestDecoder.scanHead(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void findsTheEndOfAHead() {
        assertEquals(RequestDecoder.COMPLETE, scan("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0));
        assertEquals(RequestDecoder.COMPLETE, scan("GET / HTTP/1.1\nHost: a\n\n", 3), "bare line feeds");
        assertEquals(RequestDecoder.COMPLETE, scan("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next", 0), "pipelined");
        assertEquals(RequestDecoder.INCOMPLETE, scan("GET / HTTP/1.1\r\nHost: a\r\n", 0));
        assertEquals(RequestDecoder.INCOMPLETE, scan("GET / HTTP/1.1\r\nHost: a\r\n\r", 0));
        assertEquals(RequestDecoder.COMPLETE, scan("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 0), "a stray CR inside a line");
    }

    @Test
    void notesALineThatStartsWithWhiteSpace() {
        assertEquals(RequestDecoder.FOLDED, scan("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0));
        assertEquals(RequestDecoder.FOLDED, scan("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 0));
        assertEquals(RequestDecoder.COMPLETE, scan("GET / HTTP/1.1\r\nX: a b\r\n\r\n", 0), "spaces inside a line");
        assertEquals(RequestDecoder.INCOMPLETE, scan("GET / HTTP/1.1\r\nX: a\r\n b\r\n", 0));
    }

    /** Long heads, the interesting bytes at any offset from the start of the buffer's words. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 120, 123, 124, 125, 126, 127, 128, 129, 250, 257})
    void worksAtAnyLength(int pad) {
        String line = "GET / HTTP/1.1\r\nX: " + "v".repeat(pad) + "\r\n";
        assertEquals(RequestDecoder.COMPLETE, scan(line + "\r\n", 0));
        assertEquals(RequestDecoder.COMPLETE, scan(line + "\r\n", 7));
        assertEquals(RequestDecoder.FOLDED, scan(line + " w\r\n\r\n", 0));
        assertEquals(RequestDecoder.FOLDED, scan(line + "\tw\r\n\r\n", 5));
        assertEquals(RequestDecoder.INCOMPLETE, scan(line + "\r", 0));
        assertEquals(RequestDecoder.INCOMPLETE, scan(line, 0));
    }
}
