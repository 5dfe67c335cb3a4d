package dev.spindle.host.internal.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.api.ServerResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * Node's {@code ServerResponse} on Netty: the header store, the framing decision of Node's
 * {@code _storeHeader}, and the write/end rules of {@code OutgoingMessage}. Its state belongs to
 * the handler's thread; every effect on the connection goes through {@link Exchange#submit}, which
 * hands it to the event loop. Events are fired by the exchange, on the event loop.
 */
final class Response implements ServerResponse {

    /**
     * Node's {@code HIGH_WATER_MARK} for an outgoing message: 16 KiB buffered. Bytes held for a
     * pipelined response count here; bytes handed to the connection count against its write
     * buffer, whose high-water mark is the same (see {@code HttpEngine.initPipeline}).
     */
    static final int HIGH_WATER_MARK = 16 * 1024;

    private static final Pattern CONNECTION_CLOSE = Pattern.compile("(?:^|\\W)close(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    private static final Pattern CHUNKED = Pattern.compile("(?:^|\\W)chunked(?:$|\\W)", Pattern.CASE_INSENSITIVE);
    // the names Node adds by itself, in Node's case
    private static final AsciiString DATE = AsciiString.cached("Date");
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
    private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    private final Exchange exchange;

    // Node's OutgoingMessage / ServerResponse fields, owned by the handler's thread
    private int statusCode = 200;
    private String statusMessage;
    private OutgoingHeaders fields;
    private boolean sendDate = true;
    private boolean removedConnection;
    private boolean removedContentLength;
    private boolean removedTransferEncoding;
    private boolean shouldKeepAlive;
    private final boolean chunkedByDefault;
    private boolean hasBody;
    private final boolean expectContinue;
    private boolean sent100;
    private boolean chunkedEncoding;
    private long contentLength = -1;
    /** The fixed head (status and header lines), null while the handler may still shape it. */
    private HttpResponseStatus headStatus;
    private HeaderLines headLines;
    private boolean headHandedOff;
    private HttpHeaders trailers;
    private final AsciiString keepAliveValue;

    // read by the event loop too
    private volatile boolean closeAfter;
    private volatile boolean last;
    private volatile boolean ended;
    private volatile boolean finished;
    private volatile boolean destroyed;
    private volatile long buffered;
    private static final AtomicLongFieldUpdater<Response> BUFFERED = AtomicLongFieldUpdater.newUpdater(Response.class, "buffered");
    private volatile boolean needDrain;
    // the flags are written with release stores: readers on other threads see them in order, and
    // the writer pays no fence per response (a volatile store is a full fence on x86)
    private static final VarHandle ENDED = Fields.handle(MethodHandles.lookup(), "ended", boolean.class);
    private static final VarHandle FINISHED = Fields.handle(MethodHandles.lookup(), "finished", boolean.class);

    // listeners: touched on the event loop only
    private List<Runnable> finishListeners;
    private List<Runnable> closeListeners;
    private List<Runnable> drainListeners;
    private List<Consumer<? super HttpException>> errorListeners;
    private List<Consumer<? super Outcome>> doneListeners;
    private Outcome outcome;

    Response(Exchange exchange, boolean http11, boolean keepAlive, boolean isHead, boolean expectContinue,
            boolean chunkedAccepted, AsciiString keepAliveValue) {
        this.exchange = exchange;
        this.shouldKeepAlive = keepAlive;
        this.chunkedByDefault = http11 || chunkedAccepted;
        this.hasBody = !isHead;
        this.expectContinue = expectContinue;
        this.keepAliveValue = keepAliveValue;
    }

    /** {@code timeout=N} as Node writes it: seconds, with a fraction if any; null for no timeout. */
    static AsciiString keepAliveValue(long millis) {
        if (millis <= 0) {
            return null;
        }
        return new AsciiString("timeout=" + (millis % 1000 == 0 ? Long.toString(millis / 1000)
                : Double.toString(millis / 1000.0)));
    }

    // ---------------------------------------------------------------- status line

    @Override
    public int statusCode() {
        return statusCode;
    }

    @Override
    public ServerResponse statusCode(int code) {
        this.statusCode = code;
        return this;
    }

    @Override
    public String statusMessage() {
        return statusMessage;
    }

    @Override
    public ServerResponse statusMessage(String message) {
        this.statusMessage = message;
        return this;
    }

    // ---------------------------------------------------------------- headers

    @Override
    public ServerResponse setHeader(String name, String value) {
        checkHeadOpen("set");
        HeaderRules.checkName("Header", name);
        HeaderRules.checkValue("header", name, value);
        headers().set(name, value);
        return this;
    }

    @Override
    public ServerResponse setHeader(String name, long value) {
        return setHeader(name, Long.toString(value));
    }

    @Override
    public ServerResponse setHeader(String name, List<String> values) {
        checkHeadOpen("set");
        HeaderRules.checkName("Header", name);
        if (values == null) {
            HeaderRules.checkValue("header", name, null);
        }
        List<String> copy = new ArrayList<>(values);
        for (String v : copy) {
            HeaderRules.checkValue("header", name, v);
        }
        headers().set(name, Collections.unmodifiableList(copy));
        return this;
    }

    @Override
    public ServerResponse appendHeader(String name, String value) {
        checkHeadOpen("append");
        HeaderRules.checkName("Header", name);
        HeaderRules.checkValue("header", name, value);
        headers().append(name, value);
        return this;
    }

    private OutgoingHeaders headers() {
        if (fields == null) {
            fields = new OutgoingHeaders();
        }
        return fields;
    }

    @Override
    public String getHeader(String name) {
        int i = field(name);
        if (i < 0) {
            return null;
        }
        Object v = fields.value(i);
        return v instanceof String ? (String) v : String.join(", ", fields.values(i));
    }

    @Override
    public List<String> getHeaderValues(String name) {
        int i = field(name);
        return i < 0 ? List.of() : fields.values(i);
    }

    @Override
    public boolean hasHeader(String name) {
        return field(name) >= 0;
    }

    private int field(String name) {
        if (name == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "The \"name\" argument must be of type string");
        }
        return fields == null ? -1 : fields.indexOf(name);
    }

    @Override
    public List<String> getHeaderNames() {
        return fields == null ? List.of() : fields.lowerCaseNames();
    }

    @Override
    public Map<String, List<String>> getHeaders() {
        return fields == null ? Map.of() : fields.asMap();
    }

    @Override
    public void removeHeader(String name) {
        if (name == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "The \"name\" argument must be of type string");
        }
        checkHeadOpen("remove");
        String key = lower(name);
        switch (key) {
            case "connection":
                removedConnection = true;
                break;
            case "content-length":
                removedContentLength = true;
                break;
            case "transfer-encoding":
                removedTransferEncoding = true;
                break;
            case "date":
                sendDate = false;
                break;
            default:
                break;
        }
        if (fields != null) {
            fields.remove(name);
        }
    }

    @Override
    public boolean sendDate() {
        return sendDate;
    }

    @Override
    public ServerResponse sendDate(boolean send) {
        this.sendDate = send;
        return this;
    }

    private void checkHeadOpen(String what) {
        if (headLines != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot " + what + " headers after they are sent to the client");
        }
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- the head

    @Override
    public ServerResponse writeHead(int code) {
        return writeHead(code, null, null);
    }

    @Override
    public ServerResponse writeHead(int code, String reasonPhrase) {
        return writeHead(code, reasonPhrase, null);
    }

    @Override
    public ServerResponse writeHead(int code, Map<String, ?> headers) {
        return writeHead(code, null, headers);
    }

    @Override
    public ServerResponse writeHead(int code, String reasonPhrase, Map<String, ?> headers) {
        if (headLines != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot write headers after they are sent to the client");
        }
        if (code < 100 || code > 999) {
            throw new HttpException(HttpException.ERR_HTTP_INVALID_STATUS_CODE, "Invalid status code: " + code);
        }
        if (reasonPhrase != null) {
            statusMessage = reasonPhrase;
        } else if (statusMessage == null || statusMessage.isEmpty()) {
            statusMessage = StatusCodes.reason(code);
        }
        statusCode = code;
        // like Node, headers given only to writeHead are not kept if the head cannot be fixed
        boolean onlyHere = fields == null || fields.size() == 0;
        try {
            if (headers != null) {
                for (Map.Entry<String, ?> e : headers.entrySet()) {
                    mergeHeader(e.getKey(), e.getValue());
                }
            }
            if (HeaderRules.hasInvalidChar(statusMessage)) {
                throw new HttpException(HttpException.ERR_INVALID_CHAR, "Invalid character in statusMessage");
            }
            if (code == 204 || code == 304 || code < 200) {
                hasBody = false;
            }
            if (expectContinue && !sent100) {
                // the client may still send the body it was told to hold back: never reuse this connection
                shouldKeepAlive = false;
            }
            storeHead();
        } catch (RuntimeException e) {
            if (onlyHere && fields != null) {
                fields.clear();
            }
            throw e;
        }
        return this;
    }

    private void mergeHeader(String name, Object value) {
        if (name == null || name.isEmpty()) {
            return;
        }
        if (value instanceof List) {
            List<String> values = new ArrayList<>();
            for (Object v : (List<?>) value) {
                values.add(v == null ? null : v.toString());
            }
            setHeader(name, values);
        } else {
            setHeader(name, value == null ? null : value.toString());
        }
    }

    /** Node's {@code _storeHeader}: the head as it will go out, and the framing it implies. */
    private void storeHead() {
        if (closeAfter) {
            shouldKeepAlive = false;
        }
        int n = fields == null ? 0 : fields.size();
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
                removedConnection = false;
                for (int v = first + 1; v < size; v += 2) {
                    if (CONNECTION_CLOSE.matcher(out[v]).find()) {
                        this.last = true;
                    } else {
                        shouldKeepAlive = true;
                    }
                }
            } else if (name.equalsIgnoreCase("transfer-encoding")) {
                hasTransferEncoding = true;
                removedTransferEncoding = false;
                for (int v = first + 1; v < size; v += 2) {
                    if (CHUNKED.matcher(out[v]).find()) {
                        chunkedEncoding = true;
                    }
                }
            } else if (name.equalsIgnoreCase("content-length")) {
                hasContentLength = true;
                removedContentLength = false;
            } else if (name.equalsIgnoreCase("date")) {
                hasDate = true;
            } else if (name.equalsIgnoreCase("expect")) {
                hasExpect = true;
            } else if (name.equalsIgnoreCase("trailer")) {
                hasTrailer = true;
            }
        }
        // Date, Connection and Keep-Alive, when all three are the host's, go out pre-encoded
        int runFrom = -1;
        int runTo = -1;
        byte[] run = null;
        AsciiString date = null;
        if (sendDate && !hasDate) {
            runFrom = size;
            date = DateCache.now();
            size = put(out, size, DATE, date);
        }
        if (chunkedEncoding && (statusCode == 204 || statusCode == 304)) {
            chunkedEncoding = false;
            shouldKeepAlive = false;
        }
        if (removedConnection) {
            last = true;
            shouldKeepAlive = false;
        } else if (!hasConnection) {
            if (shouldKeepAlive && (hasContentLength || chunkedByDefault)) {
                size = put(out, size, CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                if (keepAliveValue != null) {
                    size = put(out, size, KEEP_ALIVE, keepAliveValue);
                }
                if (date != null) {
                    run = HeaderLines.run(DATE, date, CONNECTION, HttpHeaderValues.KEEP_ALIVE, KEEP_ALIVE, keepAliveValue);
                    runTo = size;
                }
            } else {
                last = true;
                size = put(out, size, CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        if (!hasContentLength && !hasTransferEncoding) {
            if (!hasBody) {
                chunkedEncoding = false;
            } else if (!chunkedByDefault) {
                last = true;
            } else if (!hasTrailer && !removedContentLength && contentLength >= 0) {
                size = put(out, size, CONTENT_LENGTH, Numbers.ascii(contentLength));
            } else if (!removedTransferEncoding) {
                size = put(out, size, TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                chunkedEncoding = true;
            }
        }
        if (!chunkedEncoding && hasTrailer) {
            throw new HttpException(HttpException.ERR_HTTP_TRAILER_INVALID,
                    "Trailers are invalid with this transfer encoding");
        }
        HeaderLines lines = new HeaderLines(out, size, runFrom, runTo, run);
        headStatus = StatusCodes.status(statusCode, statusMessage);
        headLines = lines; // the message is made when it goes out: whole with its body, or alone
        if (hasExpect) {
            emit(null, false, null);
        }
    }

    private static int put(CharSequence[] out, int size, CharSequence name, CharSequence value) {
        out[size] = name;
        out[size + 1] = value;
        return size + 2;
    }

    private void implicitHead() {
        writeHead(statusCode);
    }

    @Override
    public void flushHeaders() {
        if (headLines == null) {
            implicitHead();
        }
        if (!headHandedOff) {
            emit(null, false, null);
        }
    }

    @Override
    public boolean headersSent() {
        return headLines != null;
    }

    @Override
    public void writeContinue() {
        if (headLines != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot write headers after they are sent to the client");
        }
        exchange.submit(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                0, null, false);
        sent100 = true;
    }

    // ---------------------------------------------------------------- body

    @Override
    public boolean write(String chunk) {
        return write(chunk, (String) null, null);
    }

    @Override
    public boolean write(String chunk, String encoding) {
        return write(chunk, encoding, null);
    }

    @Override
    public boolean write(String chunk, Charset charset) {
        return write(encode(chunk, charset), null, false);
    }

    @Override
    public boolean write(byte[] chunk) {
        return write(chunk, null);
    }

    @Override
    public boolean write(ByteBuffer chunk) {
        return write(copy(chunk), null, false);
    }

    @Override
    public boolean write(byte[] chunk, Consumer<? super HttpException> callback) {
        return write(copy(chunk), callback, false);
    }

    @Override
    public boolean write(String chunk, String encoding, Consumer<? super HttpException> callback) {
        return write(encode(chunk, encoding), callback, false);
    }

    private ByteBuf encode(String chunk, String encoding) {
        return chunk == null ? null : Encodings.encode(exchange.alloc(), chunk, encoding);
    }

    private ByteBuf encode(String chunk, Charset charset) {
        return chunk == null ? null : Encodings.charset(exchange.alloc(), chunk, charset);
    }

    /** A copy the caller may not touch: in a pooled (direct) buffer, ready for the socket. */
    private ByteBuf copy(byte[] chunk) {
        return chunk == null ? null : OutgoingHead.chunkBuffer(exchange.alloc(), chunk.length).writeBytes(chunk);
    }

    private ByteBuf copy(ByteBuffer chunk) {
        return chunk == null ? null
                : OutgoingHead.chunkBuffer(exchange.alloc(), chunk.remaining()).writeBytes(chunk.duplicate());
    }

    /**
     * A middle piece of the body, as a {@link OutgoingHead.Chunk} when its buffer has room to be
     * framed in place: every buffer that reaches here was made by this class, and only
     * {@link OutgoingHead#chunkBuffer} starts its data that far in.
     */
    private static HttpContent piece(ByteBuf data) {
        return data.readerIndex() >= OutgoingHead.FRAME_ROOM ? new OutgoingHead.Chunk(data) : new DefaultHttpContent(data);
    }

    /** Node's {@code write_}. Takes ownership of {@code data}. */
    private boolean write(ByteBuf data, Consumer<? super HttpException> callback, boolean fromEnd) {
        if (data == null) {
            throw new HttpException(HttpException.ERR_STREAM_NULL_VALUES, "May not write null values to stream");
        }
        if (ended || destroyed) {
            data.release();
            HttpException error = ended
                    ? new HttpException(HttpException.ERR_STREAM_WRITE_AFTER_END, "write after end")
                    : new HttpException(HttpException.ERR_STREAM_DESTROYED,
                            "Cannot call write after a stream was destroyed");
            exchange.reportError(error, callback, !destroyed);
            return false;
        }
        int length = data.readableBytes();
        if (headLines == null) {
            if (fromEnd) {
                contentLength = length;
            }
            try {
                implicitHead();
            } catch (RuntimeException e) {
                data.release();
                throw e;
            }
        }
        if (!hasBody) {
            data.release();
            exchange.complete(callback);
            return true;
        }
        if (fromEnd) {
            return emit(data, true, callback);
        }
        if (length == 0) {
            data.release();
            if (headHandedOff) {
                exchange.complete(callback);
                return !needDrain && exchange.connectionWritable();
            }
            return emit(null, false, callback);
        }
        return emit(data, false, callback);
    }

    /**
     * Hands the next piece of the message to the exchange: the head (if not yet handed off), the
     * data, and for the last piece the end of the message with its trailers. Returns Node's
     * {@code write()} result: whether less than the high-water mark is buffered.
     */
    private boolean emit(ByteBuf data, boolean lastPiece, Consumer<? super HttpException> callback) {
        int length = data == null ? 0 : data.readableBytes();
        HttpHeaders trailing = chunkedEncoding && trailers != null ? trailers : EmptyHttpHeaders.INSTANCE;
        HttpObject msg;
        if (!headHandedOff) {
            headHandedOff = true;
            if (lastPiece) {
                msg = new OutgoingHead.Whole(headStatus, data == null ? Unpooled.EMPTY_BUFFER : data, headLines,
                        trailing, hasBody, chunkedEncoding);
            } else if (data != null) {
                HttpObject head = new OutgoingHead.Streamed(headStatus, headLines, hasBody);
                if (!exchange.writeNow(head, null, false)) {
                    exchange.submit(head, 0, null, false);
                }
                msg = piece(data);
            } else {
                msg = new OutgoingHead.Streamed(headStatus, headLines, hasBody);
            }
        } else if (lastPiece) {
            msg = data == null && trailing.isEmpty() ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(data == null ? Unpooled.EMPTY_BUFFER : data, trailing);
        } else {
            msg = piece(data);
        }
        long now;
        if (exchange.writeNow(msg, callback, lastPiece)) {
            now = buffered;
        } else {
            // held until the event loop takes it: counted against the high-water mark meanwhile
            now = length == 0 ? buffered : BUFFERED.addAndGet(this, length);
            exchange.submit(msg, length, callback, lastPiece);
        }
        boolean below = now < HIGH_WATER_MARK && exchange.connectionWritable();
        if (!below && !lastPiece) {
            needDrain = true;
            if (buffered == 0 && exchange.connectionWritable()) {
                // the event loop took everything before the flag was up: it would never say 'drain'
                exchange.onLoop(this::writable);
            }
        }
        return below;
    }

    @Override
    public void addTrailers(Map<String, String> values) {
        HttpHeaders t = TRAILERS.newHeaders();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = e.getKey();
            if (name == null || !HeaderRules.isToken(name)) {
                throw new HttpException(HttpException.ERR_INVALID_HTTP_TOKEN,
                        "Trailer name must be a valid HTTP token [\"" + name + "\"]");
            }
            String value = e.getValue() == null ? "undefined" : e.getValue();
            if (HeaderRules.hasInvalidChar(value)) {
                throw new HttpException(HttpException.ERR_INVALID_CHAR,
                        "Invalid character in trailer content [\"" + name + "\"]");
            }
            t.add(name, value);
        }
        trailers = t;
    }

    @Override
    public void end() {
        end((ByteBuf) null);
    }

    @Override
    public void end(String data) {
        end(data, (String) null);
    }

    @Override
    public void end(String data, String encoding) {
        end(data == null || data.isEmpty() ? null : encode(data, encoding));
    }

    @Override
    public void end(String data, Charset charset) {
        end(data == null || data.isEmpty() ? null : encode(data, charset));
    }

    @Override
    public void end(byte[] data) {
        end(copy(data));
    }

    @Override
    public void end(ByteBuffer data) {
        end(copy(data));
    }

    /** Node's {@code end()}. Takes ownership of {@code data}. */
    private void end(ByteBuf data) {
        if (data != null && (ended || destroyed)) {
            write(data, null, true);
            return;
        }
        if (ended) {
            return;
        }
        if (destroyed) {
            ended = true;
            return;
        }
        if (data != null) {
            if (headLines == null) {
                contentLength = data.readableBytes();
                try {
                    implicitHead();
                } catch (RuntimeException e) {
                    data.release();
                    throw e;
                }
            }
            if (!hasBody) {
                data.release();
                data = null;
            }
        } else if (headLines == null) {
            contentLength = 0;
            implicitHead();
        }
        ENDED.setRelease(this, true);
        emit(data, true, null);
    }

    @Override
    public boolean writableEnded() {
        return ended;
    }

    @Override
    public boolean writableFinished() {
        return finished;
    }

    @Override
    public ServerResponse setTimeout(long millis, Runnable onTimeout) {
        exchange.setTimeout(millis, onTimeout);
        return this;
    }

    // ---------------------------------------------------------------- events

    @Override
    public ServerResponse onFinish(Runnable listener) {
        exchange.onLoop(() -> finishListeners = add(finishListeners, listener));
        return this;
    }

    @Override
    public ServerResponse onClose(Runnable listener) {
        exchange.onLoop(() -> closeListeners = add(closeListeners, listener));
        return this;
    }

    @Override
    public ServerResponse onDrain(Runnable listener) {
        exchange.onLoop(() -> drainListeners = add(drainListeners, listener));
        return this;
    }

    @Override
    public ServerResponse onError(Consumer<? super HttpException> listener) {
        exchange.onLoop(() -> errorListeners = add(errorListeners, listener));
        return this;
    }

    @Override
    public ServerResponse onDone(Consumer<? super Outcome> listener) {
        exchange.onLoop(() -> {
            if (outcome != null) {
                exchange.invoke(listener, outcome);
            } else {
                doneListeners = add(doneListeners, listener);
            }
        });
        return this;
    }

    private static <T> List<T> add(List<T> list, T listener) {
        if (listener == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "listener must not be null");
        }
        List<T> l = list == null ? new ArrayList<>(2) : list;
        l.add(listener);
        return l;
    }

    // ---------------------------------------------------------------- the exchange's side (event loop)

    /** Whether the connection closes after this response (Node's {@code _last}). */
    boolean last() {
        return last;
    }

    /** The connection closes after this response; say so in the head if it is not fixed yet. */
    void closeAfter() {
        closeAfter = true;
    }

    /** Whether a handler may still shape the head: nothing has been fixed yet. */
    boolean headOpen() {
        return headLines == null;
    }

    /**
     * Bytes of this response handed to the connection (or dropped with it). From here on the
     * connection's own buffer and its writability account for them; may fire {@code 'drain'}.
     */
    void handedOff(long bytes, boolean connectionWritable) {
        long left = bytes == 0 ? buffered : BUFFERED.addAndGet(this, -bytes);
        if (left == 0 && connectionWritable) {
            writable();
        }
    }

    /** The connection can take more: {@code 'drain'} if a write asked to wait and nothing is held here. */
    void writable() {
        if (needDrain && buffered == 0 && !ended) {
            needDrain = false;
            exchange.invokeAll(drainListeners);
        }
    }

    void fireFinished() {
        FINISHED.setRelease(this, true);
        exchange.invokeAll(finishListeners);
        fireDone(exchange.finishedOutcome());
    }

    /** The connection is gone, or the exchange was given up, before the response finished. */
    void fireDestroyed(Outcome why) {
        if (outcome != null) {
            return;
        }
        destroyed = true;
        if (!finished) {
            exchange.invokeAll(closeListeners);
        }
        fireDone(why);
    }

    void fireError(HttpException error) {
        if (errorListeners != null) {
            for (Consumer<? super HttpException> l : errorListeners) {
                exchange.invoke(l, error);
            }
        }
    }

    private void fireDone(Outcome why) {
        if (outcome != null) {
            return;
        }
        outcome = why;
        if (doneListeners != null) {
            for (Consumer<? super Outcome> l : doneListeners) {
                exchange.invoke(l, why);
            }
        }
        exchange.done(why);
    }

    /** The host's answer for a handler that did not answer in time: 503, and the connection closes. */
    void serviceUnavailable() {
        hostAnswer(503, "Service Unavailable", true);
    }

    /**
     * The host's own answer when the handler failed before fixing the head: whatever the handler
     * set is discarded and a generic 500 goes out instead.
     */
    void internalError() {
        hostAnswer(500, "Internal Server Error", false);
    }

    /** Replaces whatever the handler set with a plain-text answer of the host's own. */
    private void hostAnswer(int status, String body, boolean close) {
        if (fields != null) {
            fields.clear();
        }
        removedConnection = false;
        removedContentLength = false;
        removedTransferEncoding = false;
        trailers = null;
        sendDate = true;
        closeAfter |= close;
        statusCode = status;
        statusMessage = StatusCodes.reason(status);
        setHeader("Content-Type", "text/plain");
        setHeader("Content-Length", body.length());
        end(body);
    }
}
