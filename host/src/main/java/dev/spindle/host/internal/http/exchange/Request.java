package dev.spindle.host.internal.http.exchange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * Data path: what a handler reads; beneath it the {@link RequestSource} its bytes come from.
 * Node's {@code IncomingMessage} over a decoded request head: the head as received, the body as a
 * stream held back until someone listens (and the source's reading with it). Body state lives on
 * the event loop; listener registration from other threads hops there, and every listener is
 * called through the exchange's {@link ResponseEvents#invoke}, so one that throws is logged and
 * counted, never propagated.
 */
public final class Request implements IncomingMessage {

    /** Bytes held for a body nobody listens to yet before reading from the connection stops. */
    public static final int HELD_BODY_LIMIT = 64 * 1024;

    private static final Pattern CHUNKED = Pattern.compile("(?:^|\\W)chunked(?:$|\\W)", Pattern.CASE_INSENSITIVE);

    private final HttpRequest head;
    private final RequestSource connection;
    private final ResponseEvents events;
    private final long maxBodyBytes;
    /** The matched {@code /x/*} route's {@code /x}; {@code null} for an exact route. */
    private String routePrefix;
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

    Request(HttpRequest head, RequestSource connection, ResponseEvents events, long maxBodyBytes) {
        this.head = head;
        this.connection = connection;
        this.events = events;
        this.maxBodyBytes = maxBodyBytes;
    }

    public HttpRequest head() {
        return head;
    }

    public boolean isHttp11() {
        return head.protocolVersion() == HttpVersion.HTTP_1_1 || head.protocolVersion().equals(HttpVersion.HTTP_1_1);
    }

    public boolean isHead() {
        return HttpMethod.HEAD.equals(head.method());
    }

    /** An HTTP/1.0 client may announce chunked support with {@code TE} (Node's {@code useChunkedEncodingByDefault}). */
    public boolean acceptsChunked() {
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
        return UpgradeRequest.pathOf(head.uri());
    }

    /** Which prefix route matched (its {@code /x} for {@code /x/*}), set before the handler is called. */
    public void routePrefix(String prefix) {
        this.routePrefix = prefix;
    }

    @Override
    public String remainingPath() {
        return UpgradeRequest.remainingPath(routePrefix, path());
    }

    @Override
    public String httpVersion() {
        return UpgradeRequest.version(head);
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            headers = RequestHeaders.join(head.headers());
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
            headersDistinct = RequestHeaders.distinct(head.headers());
        }
        return headersDistinct;
    }

    @Override
    public List<String> rawHeaders() {
        return RequestHeaders.raw(head.headers());
    }

    @Override
    public Map<String, String> trailers() {
        return complete ? RequestHeaders.join(trailers) : Map.of();
    }

    @Override
    public List<String> rawTrailers() {
        return complete ? RequestHeaders.raw(trailers) : List.of();
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

    // ---------------------------------------------------------------- the body, handler side

    @Override
    public IncomingMessage onData(Consumer<byte[]> listener) {
        if (listener == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "listener must not be null");
        }
        Hops.later(connection.loop(), () -> {
            dataListener = listener;
            flow();
        });
        return this;
    }

    @Override
    public IncomingMessage onEnd(Runnable listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(connection.loop(), () -> {
            endListener = listener;
            flow();
        });
        return this;
    }

    @Override
    public IncomingMessage onAborted(Runnable listener) {
        ResponseEvents.requireListener(listener);
        Hops.later(connection.loop(), () -> {
            if (aborted) {
                events.invoke(listener);
            } else {
                abortedListener = listener;
            }
        });
        return this;
    }

    @Override
    public IncomingMessage pause() {
        paused = true;
        Hops.later(connection.loop(), connection::updateReading);
        return this;
    }

    @Override
    public IncomingMessage resume() {
        paused = false;
        Hops.later(connection.loop(), this::flow);
        return this;
    }

    @Override
    public boolean isPaused() {
        return paused;
    }

    @Override
    public CompletionStage<byte[]> body() {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (!Hops.later(connection.loop(), () -> collect(result))) {
            result.completeExceptionally(new Hops.LoopGone());
        }
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
        RequestHeaders.Collector collector = new RequestHeaders.Collector();
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

    // ---------------------------------------------------------------- the body, connection side (event loop)

    /** Takes a piece of the body from the decoder (and ownership of it). */
    public void offer(HttpContent content) {
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
                events.invoke(endListener);
            }
        }
        if (held != null || paused || !connection.reading()) {
            connection.updateReading();
        }
    }

    private void deliver(ByteBuf data) {
        byte[] chunk = ByteBufUtil.getBytes(data);
        events.invoke(dataListener, chunk);
    }

    /** Whether this body should stop the connection from reading: paused, or too much held for nobody. */
    public boolean holdsReading() {
        return !discarding && heldBytes + (paused ? HELD_BODY_LIMIT : 0) >= HELD_BODY_LIMIT && !complete;
    }

    /** The response is done: whatever of the body is left is dropped, so the next request can be read. */
    public void discard() {
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
    public void abort() {
        releaseHeld();
        discarding = true;
        if (complete || aborted) {
            return;
        }
        aborted = true;
        if (abortedListener != null) {
            events.invoke(abortedListener);
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
