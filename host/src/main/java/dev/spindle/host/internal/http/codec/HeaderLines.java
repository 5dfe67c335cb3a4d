package dev.spindle.host.internal.http.codec;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;

/**
 * A response's header section as name/value pairs in wire order, with one run of pairs that may
 * come pre-encoded: the {@code Date}, {@code Connection} and {@code Keep-Alive} lines that nearly
 * every response ends with are the same bytes for a whole second, so the encoder copies them in
 * one go instead of writing three headers. {@link #headers()} shows every pair, the run included.
 */
public final class HeaderLines {

    private static final int COLON_SPACE = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';

    private final CharSequence[] pairs;
    private final int size;
    private final int runFrom;
    private final int runTo;
    private final byte[] run;
    private HttpHeaders headers;

    /**
     * @param pairs names at even, values at odd indexes; the first {@code size} entries are used
     * @param runFrom index of the first entry the pre-encoded run stands for ({@code run} null: none)
     * @param runTo index after the last entry it stands for
     */
    HeaderLines(CharSequence[] pairs, int size, int runFrom, int runTo, byte[] run) {
        this.pairs = pairs;
        this.size = size;
        this.runFrom = runFrom;
        this.runTo = runTo;
        this.run = run;
    }

    /** The pairs as Netty headers, for readers of the head; the encoder uses {@link #encode}. */
    public HttpHeaders headers() {
        if (headers == null) {
            CharSequence[] exact = size == pairs.length ? pairs : Arrays.copyOf(pairs, size);
            headers = new ReadOnlyHttpHeaders(false, exact);
        }
        return headers;
    }

    /** Writes each line as {@code name: value\r\n}, as Netty's encoder does, the run as it is. */
    void encode(ByteBuf buf) {
        for (int i = 0; i < size; i += 2) {
            if (run != null && i == runFrom) {
                buf.writeBytes(run);
                i = runTo - 2;
                continue;
            }
            CharSequence name = pairs[i];
            CharSequence value = pairs[i + 1];
            int nameLength = name.length();
            int valueLength = value.length();
            buf.ensureWritable(nameLength + valueLength + 4);
            int at = buf.writerIndex();
            writeAscii(buf, at, name);
            at += nameLength;
            ByteBufUtil.setShortBE(buf, at, COLON_SPACE);
            at += 2;
            writeAscii(buf, at, value);
            at += valueLength;
            ByteBufUtil.setShortBE(buf, at, CRLF);
            buf.writerIndex(at + 2);
        }
    }

    private static void writeAscii(ByteBuf buf, int at, CharSequence s) {
        if (s instanceof AsciiString) {
            ByteBufUtil.copy((AsciiString) s, 0, buf, at, s.length());
        } else {
            buf.setCharSequence(at, s, CharsetUtil.US_ASCII);
        }
    }

    /** The last run built by {@link #run}: immutable, shared by all threads. */
    private static volatile Run last = new Run(null, null, null, null);

    private static final class Run {
        final AsciiString date;
        final CharSequence connection;
        final CharSequence keepAlive;
        final byte[] bytes;

        Run(AsciiString date, CharSequence connection, CharSequence keepAlive, byte[] bytes) {
            this.date = date;
            this.connection = connection;
            this.keepAlive = keepAlive;
            this.bytes = bytes;
        }
    }

    /**
     * The lines {@code Date}, {@code Connection} and ({@code keepAlive} not null) {@code Keep-Alive}
     * pre-encoded: rebuilt when the date changes, once a second.
     */
    static byte[] run(AsciiString dateName, AsciiString date, AsciiString connectionName, CharSequence connection,
            AsciiString keepAliveName, CharSequence keepAlive) {
        Run r = last;
        if (r.date != date || !same(r.connection, connection) || !same(r.keepAlive, keepAlive)) {
            byte[] bytes = keepAlive == null ? lines(dateName, date, connectionName, connection)
                    : lines(dateName, date, connectionName, connection, keepAliveName, keepAlive);
            r = new Run(date, connection, keepAlive, bytes);
            last = r;
        }
        return r.bytes;
    }

    private static boolean same(CharSequence a, CharSequence b) {
        return a == b || a != null && b != null && AsciiString.contentEquals(a, b);
    }

    /** {@code name: value\r\n} for each pair, as bytes: the pre-encoded form of a run. */
    static byte[] lines(CharSequence... pairs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append(pairs[i]).append(": ").append(pairs[i + 1]).append("\r\n");
        }
        return sb.toString().getBytes(CharsetUtil.US_ASCII);
    }
}
