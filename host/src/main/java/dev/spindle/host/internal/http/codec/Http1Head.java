package dev.spindle.host.internal.http.codec;

import java.util.List;
import java.util.regex.Pattern;

import dev.spindle.api.HttpException;
import dev.spindle.host.internal.http.exchange.FixedHead;
import dev.spindle.host.internal.http.exchange.HeadDraft;
import dev.spindle.host.internal.http.exchange.HeaderStore;
import dev.spindle.host.internal.http.exchange.StatusCodes;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Data path: between a response's {@link HeadDraft} and the encoder. Node's {@code _storeHeader}
 * for HTTP/1.1: from the draft alone (no channel) the header lines as they go out, the host's own
 * {@code Date}, {@code Connection}, {@code Keep-Alive} and framing header, and the framing they
 * imply: chunked or not, and whether the connection closes after the response ({@code _last}).
 * Pure: the same draft always gives the same head. A connection's stream extends it, so that a
 * response's head is fixed into the stream itself, not a further object per request.
 */
public class Http1Head implements FixedHead {

    private static final Pattern CONNECTION_CLOSE = Pattern.compile("(?:^|\\W)close(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    private static final Pattern CHUNKED = Pattern.compile("(?:^|\\W)chunked(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    // the names Node adds by itself, in Node's case
    private static final AsciiString DATE = AsciiString.cached("Date");
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");

    // set once, by fix()
    private HttpResponseStatus status;
    private HeaderLines lines;
    private boolean hasBody;
    private boolean chunked;
    private boolean last;
    private boolean sendAtOnce;

    /** Whether {@link #fix} has run: the head is fixed. */
    public final boolean fixed() {
        return lines != null;
    }

    public final HttpResponseStatus status() {
        return status;
    }

    public final HeaderLines lines() {
        return lines;
    }

    /** Whether a body follows the head on the wire (not for HEAD, 1xx, 204, 304). */
    public final boolean hasBody() {
        return hasBody;
    }

    /** Whether the body goes out in chunked framing. */
    public final boolean chunked() {
        return chunked;
    }

    /** Whether the connection closes after this response (Node's {@code _last}). */
    public final boolean last() {
        return last;
    }

    @Override
    public final boolean sendsTrailers() {
        return chunked;
    }

    @Override
    public final boolean sendAtOnce() {
        return sendAtOnce;
    }

    /** The last value {@link #keepAliveValue} made: every connection of the same settings shares it. */
    private static volatile AsciiString lastKeepAliveValue = new AsciiString("timeout=5");

    /** {@code timeout=N} as Node writes it: whole seconds, rounded down; null for no timeout. */
    public static AsciiString keepAliveValue(long millis) {
        if (millis <= 0) {
            return null;
        }
        AsciiString last = lastKeepAliveValue;
        String value = "timeout=" + millis / 1000;
        if (!last.contentEquals(value)) {
            last = new AsciiString(value);
            lastKeepAliveValue = last;
        }
        return last;
    }

    /** A refusal of the host's own, with no body and {@code Connection: close}, as Node answers parse errors. */
    public static FullHttpResponse refusal(int code) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                StatusCodes.status(code, StatusCodes.reason(code)), Unpooled.EMPTY_BUFFER);
        response.headers().set(CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /**
     * Node's {@code _storeHeader}: the head of {@code draft} as it will go out. Throws
     * {@code ERR_HTTP_TRAILER_INVALID} for a {@code Trailer} header on a response that is not chunked.
     *
     * @param keepAliveValue the automatic {@code Keep-Alive} value, or null for none
     */
    public static Http1Head build(HeadDraft draft, AsciiString keepAliveValue) {
        Http1Head head = new Http1Head();
        head.fix(draft, keepAliveValue);
        return head;
    }

    /** {@link #build} into this head; see there. */
    protected final void fix(HeadDraft draft, AsciiString keepAliveValue) {
        HeaderStore fields = draft.headers();
        int n = draft.headerCount();
        boolean keepAlive = draft.keepAlive() && !draft.closeAfter();
        boolean chunkedByDefault = draft.chunkedByDefault();
        boolean hasBody = draft.hasBody();
        int statusCode = draft.statusCode();
        boolean last = false;
        boolean chunked = false;
        // one line per value (several cookies make one), and at most four of the host's own:
        // Date, Connection, Keep-Alive, and Content-Length or Transfer-Encoding. The common head
        // uses all four, so the array is usually exact and Netty's view needs no copy of it.
        int lineCount = 4;
        for (int i = 0; i < n; i++) {
            Object value = fields.value(i);
            int values = value instanceof String ? 1 : fields.values(i).size();
            lineCount += values > 1 && fields.name(i).equalsIgnoreCase("cookie") ? 1 : values;
        }
        CharSequence[] out = new CharSequence[lineCount * 2];
        int size = 0;
        boolean hasConnection = false;
        boolean hasContentLength = false;
        boolean hasTransferEncoding = false;
        boolean hasDate = false;
        boolean hasExpect = false;
        boolean hasTrailer = false;
        boolean hasKeepAlive = false;
        for (int i = 0; i < n; i++) {
            String name = fields.name(i);
            Object value = fields.value(i);
            int first = size;
            if (value instanceof String) {
                size = put(out, size, name, (String) value);
            } else {
                List<String> values = fields.values(i);
                if (values.size() > 1 && name.equalsIgnoreCase("cookie")) {
                    size = put(out, size, name, String.join("; ", values));
                } else {
                    for (String v : values) {
                        size = put(out, size, name, v);
                    }
                }
            }
            // Node's matchHeader, for each line sent (none for an empty list): only names of 4 to
            // 17 characters can matter
            if (size == first || name.length() < 4 || name.length() > 17) {
                continue;
            }
            if (name.equalsIgnoreCase("connection")) {
                hasConnection = true;
                for (int v = first + 1; v < size; v += 2) {
                    if (CONNECTION_CLOSE.matcher(out[v]).find()) {
                        last = true;
                    } else {
                        keepAlive = true;
                    }
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                hasTransferEncoding = true;
                for (int v = first + 1; v < size; v += 2) {
                    if (CHUNKED.matcher(out[v]).find()) {
                        chunked = true;
                    }
                }
            } else if (name.equalsIgnoreCase("content-length")) {
                hasContentLength = true;
            } else if (name.equalsIgnoreCase("date")) {
                hasDate = true;
            } else if (name.equalsIgnoreCase("expect")) {
                hasExpect = true;
            } else if (name.equalsIgnoreCase("trailer")) {
                hasTrailer = true;
            } else if (name.equalsIgnoreCase("keep-alive")) {
                hasKeepAlive = true; // Node's _defaultKeepAlive = false: the handler's value replaces the host's
            }
        }
        // Date, Connection and Keep-Alive, when all three are the host's, go out pre-encoded
        int runFrom = -1;
        int runTo = -1;
        byte[] run = null;
        AsciiString date = null;
        if (draft.sendDate() && !hasDate) {
            runFrom = size;
            date = DateCache.now();
            size = put(out, size, DATE, date);
        }
        if (chunked && (statusCode == 204 || statusCode == 304)) {
            chunked = false;
            keepAlive = false;
        }
        if (draft.removedConnection() && !hasConnection) {
            last = true;
        } else if (!hasConnection) {
            if (keepAlive && (hasContentLength || chunkedByDefault)) {
                size = put(out, size, CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                AsciiString automatic = hasKeepAlive ? null : keepAliveValue;
                if (automatic != null) {
                    size = put(out, size, KEEP_ALIVE, automatic);
                }
                if (date != null) {
                    run = HeaderLines.run(DATE, date, CONNECTION, HttpHeaderValues.KEEP_ALIVE, KEEP_ALIVE, automatic);
                    runTo = size;
                }
            } else {
                last = true;
                size = put(out, size, CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        if (!hasContentLength && !hasTransferEncoding) {
            if (!hasBody) {
                chunked = false;
            } else if (!chunkedByDefault) {
                last = true;
            } else if (!hasTrailer && !draft.removedContentLength() && draft.contentLength() >= 0) {
                size = put(out, size, CONTENT_LENGTH, Numbers.ascii(draft.contentLength()));
            } else if (!draft.removedTransferEncoding()) {
                size = put(out, size, TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                chunked = true;
            } else {
                // both framing headers removed: the body ends when the connection does
                last = true;
            }
        }
        if (!chunked && hasTrailer) {
            throw new HttpException(HttpException.ERR_HTTP_TRAILER_INVALID,
                    "Trailers are invalid with this transfer encoding");
        }
        HttpResponseStatus fixedStatus = StatusCodes.status(statusCode, draft.statusMessage());
        this.status = fixedStatus;
        this.hasBody = hasBody;
        this.chunked = chunked;
        this.last = last;
        this.sendAtOnce = hasExpect;
        this.lines = new HeaderLines(out, size, runFrom, runTo, run);
    }

    private static int put(CharSequence[] out, int size, CharSequence name, CharSequence value) {
        out[size] = name;
        out[size + 1] = value;
        return size + 2;
    }
}
