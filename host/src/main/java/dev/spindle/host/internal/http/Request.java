package dev.spindle.host.internal.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import dev.spindle.api.HttpException;
import dev.spindle.api.IncomingMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Node's {@code IncomingMessage} over a decoded Netty request: the head as received, the body as a
 * stream held back until someone listens (and the connection's reading with it). Body state lives
 * on the event loop; listener registration from other threads hops there.
 */
final class Request implements IncomingMessage {

    /** Bytes held for a body nobody listens to yet before reading from the connection stops. */
    static final int HELD_BODY_LIMIT = 64 * 1024;

    /** Node's {@code matchKnownFields}: headers whose duplicates are dropped, the first value wins. */
    private static final Set<String> FIRST_WINS = Set.of("age", "authorization", "content-length", "content-type",
            "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified",
            "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent");
    private static final Pattern CHUNKED = Pattern.compile("(?:^|\\W)chunked(?:$|\\W)", Pattern.CASE_INSENSITIVE);

    private final HttpRequest head;
    private final HttpConnection connection;
    private final long maxBodyBytes;
    private Map<String, String> headers;
    private Map<String, List<String>> headersDistinct;

    // body state: event loop only
    private ArrayDeque<ByteBuf> held;
    private int heldBytes;
    private Consumer<byte[]> dataListener;
    private Runnable endListener;
    private Runnable abortedListener;
    private CompletableFuture<byte[]> body;
    private volatile boolean paused;
    private volatile boolean complete;
    private static final VarHandle COMPLETE = Fields.handle(MethodHandles.lookup(), "complete", boolean.class);
    private boolean endDelivered;
    private boolean discarding;
    private boolean aborted;
    private HttpHeaders trailers = EmptyHttpHeaders.INSTANCE;

    Request(HttpRequest head, HttpConnection connection, long maxBodyBytes) {
        this.head = head;
        this.connection = connection;
        this.maxBodyBytes = maxBodyBytes;
    }

    HttpRequest head() {
        return head;
    }

    boolean isHttp11() {
        return head.protocolVersion() == HttpVersion.HTTP_1_1 || head.protocolVersion().equals(HttpVersion.HTTP_1_1);
    }

    boolean isHead() {
        return HttpMethod.HEAD.equals(head.method());
    }

    /** An HTTP/1.0 client may announce chunked support with {@code TE} (Node's {@code useChunkedEncodingByDefault}). */
    boolean acceptsChunked() {
        if (isHttp11()) {
            return true;
        }
        String te = head.headers().get(HttpHeaderNames.TE);
        return te != null && CHUNKED.matcher(te).find();
    }

    // ---------------------------------------------------------------- the head

    @Override
    public String method() {
        return head.method().name();
    }

    @Override
    public String url() {
        return head.uri();
    }

    @Override
    public String path() {
        String uri = head.uri();
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Override
    public String httpVersion() {
        HttpVersion v = head.protocolVersion();
        return v.majorVersion() + "." + v.minorVersion();
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            headers = join(head.headers());
        }
        return headers;
    }

    @Override
    public String header(String name) {
        return headers().get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public Map<String, List<String>> headersDistinct() {
        if (headersDistinct == null) {
            headersDistinct = distinct(head.headers());
        }
        return headersDistinct;
    }

    @Override
    public List<String> rawHeaders() {
        return raw(head.headers());
    }

    @Override
    public Map<String, String> trailers() {
        return complete ? join(trailers) : Map.of();
    }

    @Override
    public List<String> rawTrailers() {
        return complete ? raw(trailers) : List.of();
    }

    @Override
    public boolean complete() {
        return complete;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    /** Node's joining of duplicate fields: first wins for its list, {@code "; "} for cookie, {@code ", "} otherwise. */
    static Map<String, String> join(HttpHeaders fields) {
        if (fields.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            String key = e.getKey().toString().toLowerCase(Locale.ROOT);
            String value = e.getValue().toString();
            String before = out.get(key);
            if (before == null) {
                out.put(key, value);
            } else if (!FIRST_WINS.contains(key)) {
                out.put(key, before + (key.equals("cookie") ? "; " : ", ") + value);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, List<String>> distinct(HttpHeaders fields) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            out.computeIfAbsent(e.getKey().toString().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(e.getValue().toString());
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }

    private static List<String> raw(HttpHeaders fields) {
        List<String> out = new ArrayList<>(fields.size() * 2);
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            out.add(e.getKey().toString());
            out.add(e.getValue().toString());
        }
        return Collections.unmodifiableList(out);
    }

    // ---------------------------------------------------------------- the body, handler side

    @Override
    public IncomingMessage onData(Consumer<byte[]> listener) {
        if (listener == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "listener must not be null");
        }
        connection.onLoop(() -> {
            dataListener = listener;
            flow();
        });
        return this;
    }

    @Override
    public IncomingMessage onEnd(Runnable listener) {
        connection.onLoop(() -> {
            endListener = listener;
            flow();
        });
        return this;
    }

    @Override
    public IncomingMessage onAborted(Runnable listener) {
        connection.onLoop(() -> {
            if (aborted) {
                listener.run();
            } else {
                abortedListener = listener;
            }
        });
        return this;
    }

    @Override
    public IncomingMessage pause() {
        paused = true;
        connection.onLoop(connection::updateReading);
        return this;
    }

    @Override
    public IncomingMessage resume() {
        paused = false;
        connection.onLoop(this::flow);
        return this;
    }

    @Override
    public boolean isPaused() {
        return paused;
    }

    @Override
    public CompletionStage<byte[]> body() {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        connection.onLoop(() -> collect(result));
        return result;
    }

    private void collect(CompletableFuture<byte[]> result) {
        if (body != null) {
            body.whenComplete((b, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(b);
                }
            });
            return;
        }
        body = result;
        if (aborted) {
            result.completeExceptionally(abortedError());
            return;
        }
        ByteArrayCollector collector = new ByteArrayCollector();
        dataListener = chunk -> {
            if (collector.size() + chunk.length > maxBodyBytes) {
                result.completeExceptionally(new HttpException(HttpException.ERR_BODY_TOO_LARGE,
                        "request body larger than " + maxBodyBytes + " bytes"));
                discard();
            } else {
                collector.add(chunk);
            }
        };
        endListener = () -> result.complete(collector.toByteArray());
        flow();
    }

    /** A growable byte array; enough for bounded bodies. */
    private static final class ByteArrayCollector {
        private byte[] bytes = new byte[256];
        private int size;

        int size() {
            return size;
        }

        void add(byte[] chunk) {
            if (size + chunk.length > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + chunk.length));
            }
            System.arraycopy(chunk, 0, bytes, size, chunk.length);
            size += chunk.length;
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(bytes, size);
        }
    }

    // ---------------------------------------------------------------- the body, connection side (event loop)

    /** Takes a piece of the body from the decoder (and ownership of it). */
    void offer(HttpContent content) {
        try {
            ByteBuf data = content.content();
            if (!discarding && data.isReadable()) {
                if (flowing() && held == null) {
                    deliver(data);
                } else {
                    if (held == null) {
                        held = new ArrayDeque<>(4);
                    }
                    held.add(data.retain());
                    heldBytes += data.readableBytes();
                }
            }
            if (content instanceof LastHttpContent) {
                trailers = ((LastHttpContent) content).trailingHeaders();
                trailers = trailers.isEmpty() ? EmptyHttpHeaders.INSTANCE : trailers.copy();
                COMPLETE.setRelease(this, true); // no fence per request; readers see it in order
            }
        } finally {
            content.release();
        }
        flow();
    }

    private boolean flowing() {
        return dataListener != null && !paused && !discarding;
    }

    private void flow() {
        while (flowing() && held != null) {
            ByteBuf data = held.poll();
            if (data == null) {
                held = null;
                break;
            }
            heldBytes -= data.readableBytes();
            try {
                deliver(data);
            } finally {
                data.release();
            }
        }
        if (complete && !endDelivered && held == null && !paused && !discarding
                && (dataListener != null || endListener != null)) {
            endDelivered = true;
            if (endListener != null) {
                connection.invoke(endListener);
            }
        }
        if (held != null || paused || !connection.reading()) {
            connection.updateReading();
        }
    }

    private void deliver(ByteBuf data) {
        byte[] chunk = ByteBufUtil.getBytes(data);
        connection.invoke(() -> dataListener.accept(chunk));
    }

    /** Whether this body should stop the connection from reading: paused, or too much held for nobody. */
    boolean holdsReading() {
        return !discarding && heldBytes + (paused ? HELD_BODY_LIMIT : 0) >= HELD_BODY_LIMIT && !complete;
    }

    /** The response is done: whatever of the body is left is dropped, so the next request can be read. */
    void discard() {
        if (discarding) {
            return;
        }
        discarding = true;
        if (complete && held == null && body == null) {
            return; // nothing left to drop: the common case of a request without a body
        }
        releaseHeld();
        if (body != null && !body.isDone()) {
            body.completeExceptionally(new HttpException(HttpException.ERR_STREAM_DESTROYED,
                    "the response ended before the request body was read"));
        }
        connection.updateReading();
    }

    /** The connection ended before the body was complete (Node's {@code 'aborted'}). */
    void abort() {
        releaseHeld();
        discarding = true;
        if (complete || aborted) {
            return;
        }
        aborted = true;
        if (abortedListener != null) {
            connection.invoke(abortedListener);
        }
        if (body != null) {
            body.completeExceptionally(abortedError());
        }
    }

    private void releaseHeld() {
        if (held != null) {
            for (ByteBuf b : held) {
                b.release();
            }
            held = null;
            heldBytes = 0;
        }
    }

    private static HttpException abortedError() {
        return new HttpException(HttpException.ERR_STREAM_DESTROYED, "the request was aborted");
    }
}
