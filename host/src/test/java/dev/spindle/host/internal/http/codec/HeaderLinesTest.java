package dev.spindle.host.internal.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AsciiString;

/** The header section as the encoder writes it, with its pre-encoded run. */
class HeaderLinesTest {

    private static final AsciiString DATE = AsciiString.cached("Date");
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");

    private static String encode(HeaderLines lines) {
        ByteBuf buf = Unpooled.buffer();
        try {
            lines.encode(buf);
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    @Test
    void writesEveryPairInOrderWithTheRunInItsPlace() {
        AsciiString date = new AsciiString("Sat, 28 Nov 2026 00:00:00 GMT");
        byte[] run = HeaderLines.run(DATE, date, CONNECTION, "keep-alive", KEEP_ALIVE, new AsciiString("timeout=5"));
        CharSequence[] pairs = {
            "Content-Type", "text/plain",
            DATE, date, CONNECTION, "keep-alive", KEEP_ALIVE, "timeout=5",
            "Content-Length", new AsciiString("11"),
        };
        String expected = "Content-Type: text/plain\r\n"
                + "Date: Sat, 28 Nov 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Content-Length: 11\r\n";
        assertEquals(expected, encode(new HeaderLines(pairs, pairs.length, 2, 8, run)));
        assertEquals(expected, encode(new HeaderLines(pairs, pairs.length, -1, -1, null)), "without the run");
        assertEquals("keep-alive", new HeaderLines(pairs, pairs.length, 2, 8, run).headers().get("connection"));
    }

    /** Connections have their own Keep-Alive value objects: equal ones must not rebuild the run each time. */
    @Test
    void theRunIsSharedUntilTheDateChanges() {
        AsciiString date = new AsciiString("Sat, 28 Nov 2026 00:00:01 GMT");
        byte[] first = HeaderLines.run(DATE, date, CONNECTION, "keep-alive", KEEP_ALIVE, new AsciiString("timeout=5"));
        byte[] second = HeaderLines.run(DATE, date, CONNECTION, "keep-alive", KEEP_ALIVE, new AsciiString("timeout=5"));
        assertSame(first, second);
        byte[] later = HeaderLines.run(DATE, new AsciiString("Sat, 28 Nov 2026 00:00:02 GMT"), CONNECTION,
                "keep-alive", KEEP_ALIVE, new AsciiString("timeout=5"));
        assertNotSame(first, later);
        assertEquals("Date: Sat, 28 Nov 2026 00:00:02 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n",
                new String(later, StandardCharsets.US_ASCII));
    }
}
