package dev.spindle.host.internal.http.codec;

import dev.spindle.host.internal.http.exchange.HeaderRules;
import io.netty.buffer.ByteBuf;

/**
 * Data path: inside {@link RequestDecoder}, in front of Netty's parser. Looks at each request
 * head as its bytes arrive, once: it resumes where the last read stopped, so a head dribbled in
 * one byte at a time costs linear time. It says when the head is complete (Netty then parses it
 * whole), refuses at once what can never become a valid head (a byte that cannot start a method,
 * a request line without its structure, a line end that is not CRLF, an obs-fold line, a bad
 * header name), and hands a head that outgrows the limits to Netty, which refuses it with 414 or
 * 431. Header values are jumped over with Netty's word-at-a-time search for the line feed.
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
    private String refusal;

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
        int i = base + pos;
        while (i < end) {
            int c = b.getByte(i) & 0xff;
            switch (state) {
                case START:
                    if (c == '\r' || c == '\n') {
                        i++; // empty lines before a request line are ignored, as RFC 9112 allows
                        continue;
                    }
                    if (!HeaderRules.isTokenChar(c)) {
                        return refuse("a request cannot start with byte 0x" + Integer.toHexString(c));
                    }
                    lineFrom = i - base;
                    state = METHOD;
                    break;
                case METHOD:
                    if (c == ' ') {
                        state = TARGET;
                        targetFrom = i + 1 - base;
                    } else if (!HeaderRules.isTokenChar(c)) {
                        return refuse("invalid byte 0x" + Integer.toHexString(c) + " in the method");
                    }
                    break;
                case TARGET:
                    if (c == ' ') {
                        if (i - base == targetFrom) {
                            return refuse("empty request-target");
                        }
                        state = VERSION;
                        versionAt = 0;
                    } else if (c <= ' ' || c == 0x7f) {
                        return refuse(c == '\r' || c == '\n' ? "request line without an HTTP version"
                                : "invalid byte 0x" + Integer.toHexString(c) + " in the request-target");
                    }
                    break;
                case VERSION:
                    if (!versionByte(c)) {
                        return refuse("malformed HTTP version in the request line");
                    }
                    if (++versionAt == 9) {
                        afterLf = LINE_START;
                        headersFrom = i + 2 - base;
                        state = LF;
                    }
                    break;
                case LF:
                    if (c != '\n') {
                        return refuse("CR not followed by LF");
                    }
                    if (afterLf == COMPLETE) {
                        pos = i + 1 - base;
                        return COMPLETE;
                    }
                    state = afterLf;
                    break;
                case LINE_START:
                    if (c == '\r') {
                        afterLf = COMPLETE;
                        state = LF;
                    } else if (c == ' ' || c == '\t') {
                        return refuse("obs-fold line in the request head");
                    } else if (HeaderRules.isTokenChar(c)) {
                        state = NAME;
                    } else {
                        return refuse(c == '\n' ? "line end without CR" : "invalid byte 0x" + Integer.toHexString(c)
                                + " at the start of a header line");
                    }
                    break;
                case NAME:
                    if (c == ':') {
                        state = VALUE;
                    } else if (!HeaderRules.isTokenChar(c)) {
                        return refuse("invalid byte 0x" + Integer.toHexString(c) + " in a header name");
                    }
                    break;
                case VALUE: {
                    int lf = b.indexOf(i, end, (byte) '\n');
                    if (lf < 0) {
                        i = end;
                        if (i - base - headersFrom > maxHeaders) {
                            return TOO_LONG;
                        }
                        continue;
                    }
                    if (b.getByte(lf - 1) != '\r') {
                        return refuse("line end without CR");
                    }
                    i = lf;
                    state = LINE_START;
                    break;
                }
                default:
                    throw new IllegalStateException("state " + state);
            }
            i++;
            if (state <= VERSION ? i - base - lineFrom > maxLine : i - base - headersFrom > maxHeaders) {
                return TOO_LONG;
            }
        }
        pos = i - base;
        return INCOMPLETE;
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

    private int refuse(String why) {
        refusal = why;
        return REFUSED;
    }
}
