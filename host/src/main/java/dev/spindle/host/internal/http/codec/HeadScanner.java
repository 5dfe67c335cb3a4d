package dev.spindle.host.internal.http.codec;

import dev.spindle.host.internal.http.exchange.HeaderRules;
import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Data path: inside {@link RequestDecoder}, in front of Netty's parser. Looks at each request head
 * as its bytes arrive, once: it resumes where the last read stopped, so a head dribbled in one byte
 * at a time costs linear time. It says when the head is complete (Netty then parses it whole),
 * refuses at once what can never become a valid head (a byte that cannot start a method, a request
 * line without its structure, a request-target byte outside visible ASCII, a line end that is not
 * CRLF, an obs-fold line, a bad header name), and hands a head that outgrows the limits to Netty,
 * which refuses it with 414 or 431. The new bytes are copied in small blocks into an array and
 * looked at there: one bounds check per block, not per byte. The array is the event loop's, shared
 * by its connections (a scan ends before the loop serves another): an idle connection holds none.
 */
final class HeadScanner {

    static final int INCOMPLETE = 0;
    static final int COMPLETE = 1;
    static final int REFUSED = 2;
    static final int TOO_LONG = 3;

    private static final int START = 0;
    private static final int METHOD = 1;
    private static final int TARGET = 2;
    private static final int VERSION = 3;
    private static final int LINE_START = 4;
    private static final int NAME = 5;
    private static final int VALUE = 6;
    private static final int LF = 7;
    private static final byte[] HTTP = {'H', 'T', 'T', 'P', '/'};
    private static final long HTTP_11 = version("HTTP/1.1");
    private static final long HTTP_10 = version("HTTP/1.0");
    /**
     * A byte a request-target may hold, as llhttp (Node) allows them: visible ASCII, 0x21 to 0x7e.
     * Control bytes, DEL and every byte above 0x7f (a client must percent-encode them) are refused
     * with 400, as Node refuses them; they would otherwise reach a handler's {@code url()}.
     */
    private static final ByteProcessor TARGET_BYTE = value -> value > ' ' && value < 0x7f;

    /** Bytes copied out of the buffer at a time: a typical head in one go, a body never in full. */
    private static final int BLOCK = 128;

    private final int maxLine;
    private final int maxHeaders;
    private int state;
    /** Bytes of the head examined so far, from the buffer's reader index. */
    private int pos;
    private int lineFrom;
    private int targetFrom;
    private int headersFrom;
    private int versionAt;
    /** After a line's CR: the state that follows its LF. */
    private int afterLf;
    private boolean lastWasCr;
    private String refusal;
    /**
     * Each thread's block: a scan runs on its connection's event loop and ends within one call.
     * (Netty's class itself, no subclass: a thread's map then refers to nothing of this bundle.)
     */
    private static final FastThreadLocal<byte[]> BLOCKS = new FastThreadLocal<>();

    HeadScanner(int maxInitialLineLength, int maxHeaderSize) {
        this.maxLine = maxInitialLineLength;
        this.maxHeaders = maxHeaderSize;
    }

    /** Starts over for the next head. */
    void reset() {
        state = START;
        pos = 0;
    }

    /** Why the last {@link #REFUSED} head was refused. */
    String refusal() {
        return refusal;
    }

    /** Looks at the bytes that arrived since the last call; the head starts at the reader index. */
    int scan(ByteBuf b) {
        int base = b.readerIndex();
        int end = b.writerIndex();
        if (pos == 0 && state == START) {
            int whole = whole(b, base, end);
            if (whole != INCOMPLETE) {
                return whole;
            }
        }
        byte[] block = null;
        while (base + pos < end) {
            if (block == null) {
                block = BLOCKS.get();
                if (block == null) {
                    block = new byte[BLOCK];
                    BLOCKS.set(block);
                }
            }
            int n = Math.min(BLOCK, end - base - pos);
            b.getBytes(base + pos, block, 0, n);
            int found = scanBlock(block, n);
            if (found != INCOMPLETE) {
                return found;
            }
        }
        return INCOMPLETE;
    }

    /**
     * The common case, a whole head in one read, looked at line by line: line feeds are found with
     * Netty's word-at-a-time search, and only the bytes that give a head its structure are read
     * (the request line's first byte, spaces, request-target, version and CR, the first byte of
     * each header line: no obs-fold); Netty's strict parser checks the rest (tokens, control bytes,
     * bare LFs) as it parses the whole head, and refuses in the same read. Returns
     * {@link #INCOMPLETE} when the head does not end in the buffer: the state machine then takes
     * over from its start.
     */
    private int whole(ByteBuf b, int base, int end) {
        int from = base;
        int c;
        while (from < end && ((c = b.getByte(from)) == '\r' || c == '\n')) {
            from++;
        }
        int lf = b.indexOf(from, end, (byte) '\n');
        if (lf < 0) {
            return INCOMPLETE;
        }
        int line = requestLine(b, from, lf);
        if (line != COMPLETE) {
            return line;
        }
        while (true) {
            int start = lf + 1;
            if (start >= end) {
                return INCOMPLETE;
            }
            c = b.getByte(start) & 0xff;
            if (c == '\r') {
                if (start + 1 >= end) {
                    return INCOMPLETE;
                }
                if (b.getByte(start + 1) != '\n') {
                    return refuse(start + 1 - base, "CR not followed by LF", b.getByte(start + 1) & 0xff);
                }
                pos = start + 2 - base;
                return COMPLETE;
            }
            if (c == ' ' || c == '\t') {
                return refuse(start - base, "obs-fold line in the request head", c);
            }
            if (c == '\n') {
                return refuse(start - base, "line end without CR", c);
            }
            lf = b.indexOf(start, end, (byte) '\n');
            if (lf < 0) {
                return INCOMPLETE;
            }
        }
    }

    /** The request line {@code [from, lf)}: COMPLETE if it has its structure, else REFUSED. */
    private int requestLine(ByteBuf b, int from, int lf) {
        int base = b.readerIndex();
        if (b.getByte(lf - 1) != '\r') {
            return refuse(lf - base, "line end without CR", '\n');
        }
        int sp = b.indexOf(from, lf, (byte) ' ');
        if (sp <= from) {
            return refuse(from - base, sp < 0 ? "request line without an HTTP version" : "empty method", ' ');
        }
        // the method's other bytes are Netty's to check: it refuses a method that is not a token
        int version = lf - 10;
        if (version <= sp + 1 || b.getByte(version) != ' ' || b.getByte(sp + 1) == ' ') {
            return refuse(sp - base, "request line without its structure: METHOD SP target SP HTTP/d.d", ' ');
        }
        int bad = b.forEachByte(sp + 1, version - sp - 1, TARGET_BYTE);
        if (bad >= 0) {
            return refuse(bad - base, "invalid byte in the request-target", b.getByte(bad) & 0xff);
        }
        long v = b.getLong(version + 1);
        if (v == HTTP_11 || v == HTTP_10) {
            return COMPLETE;
        }
        for (versionAt = 0; versionAt < 9; versionAt++) {
            int c = b.getByte(version + 1 + versionAt) & 0xff;
            if (!versionByte(c)) {
                return refuse(version + 1 + versionAt - base, "malformed HTTP version in the request line", c);
            }
        }
        return COMPLETE;
    }

    /**
     * Runs the head's state machine over the first {@code n} bytes of {@code in}, which continue
     * the head at {@link #pos}. Each state runs as a tight loop over the array; the state and
     * position are kept in locals and stored when the block ends.
     */
    private int scanBlock(byte[] in, int n) {
        int st = state;
        int at = pos;
        int i = 0;
        int c = 0;
        while (i < n) {
            switch (st) {
                case START:
                    c = in[i] & 0xff;
                    if (c == '\r' || c == '\n') {
                        i++; // empty lines before a request line are ignored, as RFC 9112 allows
                        continue;
                    }
                    if (!HeaderRules.isTokenChar(c)) {
                        return refuse(at + i, "a request cannot start with byte", c);
                    }
                    lineFrom = at + i;
                    st = METHOD;
                    i++;
                    break;
                case METHOD:
                    while (i < n && HeaderRules.isTokenChar(c = in[i] & 0xff)) {
                        i++;
                    }
                    if (i < n) {
                        if (c != ' ') {
                            return refuse(at + i, "invalid byte in the method", c);
                        }
                        i++;
                        targetFrom = at + i;
                        st = TARGET;
                    }
                    break;
                case TARGET:
                    while (i < n && (c = in[i] & 0xff) > ' ' && c < 0x7f) {
                        i++;
                    }
                    if (i < n) {
                        if (c != ' ') {
                            return refuse(at + i, c == '\r' || c == '\n' ? "request line without an HTTP version"
                                    : "invalid byte in the request-target", c);
                        }
                        if (at + i == targetFrom) {
                            return refuse(at + i, "empty request-target", c);
                        }
                        i++;
                        versionAt = 0;
                        st = VERSION;
                    }
                    break;
                case VERSION:
                    c = in[i] & 0xff;
                    if (!versionByte(c)) {
                        return refuse(at + i, "malformed HTTP version in the request line", c);
                    }
                    i++;
                    if (++versionAt == 9) {
                        afterLf = LINE_START;
                        headersFrom = at + i + 1;
                        st = LF;
                    }
                    break;
                case LF:
                    c = in[i] & 0xff;
                    if (c != '\n') {
                        return refuse(at + i, "CR not followed by LF", c);
                    }
                    i++;
                    if (afterLf == COMPLETE) {
                        pos = at + i;
                        state = st;
                        return COMPLETE;
                    }
                    st = afterLf;
                    break;
                case LINE_START:
                    c = in[i] & 0xff;
                    if (c == '\r') {
                        afterLf = COMPLETE;
                        st = LF;
                    } else if (c == ' ' || c == '\t') {
                        return refuse(at + i, "obs-fold line in the request head", c);
                    } else if (HeaderRules.isTokenChar(c)) {
                        st = NAME;
                    } else {
                        return refuse(at + i, c == '\n' ? "line end without CR" : "invalid byte at the start of a header line", c);
                    }
                    i++;
                    break;
                case NAME:
                    while (i < n && HeaderRules.isTokenChar(c = in[i] & 0xff)) {
                        i++;
                    }
                    if (i < n) {
                        if (c != ':') {
                            return refuse(at + i, "invalid byte in a header name", c);
                        }
                        i++;
                        lastWasCr = false;
                        st = VALUE;
                    }
                    break;
                case VALUE: {
                    boolean cr = lastWasCr;
                    while (i < n && (c = in[i]) != '\n') {
                        cr = c == '\r';
                        i++;
                    }
                    lastWasCr = cr;
                    if (i < n) {
                        if (!cr) {
                            return refuse(at + i, "line end without CR", c);
                        }
                        i++;
                        st = LINE_START;
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("state " + st);
            }
        }
        state = st;
        pos = at + n;
        // the limits are looked at once a block: a head over them goes to Netty in the same read
        return (st <= VERSION ? pos - lineFrom > maxLine : pos - headersFrom > maxHeaders) && st != START
                ? TOO_LONG : INCOMPLETE;
    }

    /** The eight bytes of {@code text} as a big-endian long, as {@link ByteBuf#getLong} reads them. */
    private static long version(String text) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | text.charAt(i);
        }
        return v;
    }

    /** The {@code versionAt}-th byte of {@code HTTP/d.d\r}. */
    private boolean versionByte(int c) {
        if (versionAt < 5) {
            return c == HTTP[versionAt];
        }
        switch (versionAt) {
            case 5:
            case 7:
                return c >= '0' && c <= '9';
            case 6:
                return c == '.';
            default:
                return c == '\r';
        }
    }

    private int refuse(int at, String why, int c) {
        pos = at;
        refusal = why + " (byte 0x" + Integer.toHexString(c) + " at " + at + ")";
        return REFUSED;
    }
}
