package dev.spindle.host.internal.http.exchange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.spindle.api.HttpException;
import dev.spindle.api.ServerResponse;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Data path: the first half of {@link Response}, the members of {@code ServerResponse} that shape
 * and fix the head: status, reason, headers (kept in a {@link HeadDraft}), {@code writeHead},
 * {@code writeContinue}, {@code addTrailers}. The head is fixed by the protocol's
 * {@link ResponseSink#fixHead}; from then on the setters throw {@code ERR_HTTP_HEADERS_SENT}.
 * Owned by the exchange's event loop, with the hops described on {@link Response}.
 */
abstract class ResponseHead implements ServerResponse {

    private static final VarHandle HEAD = Fields.handle(MethodHandles.lookup(), "head", FixedHead.class);

    final EventLoop loop;
    final ResponseSink sink;
    final HeadDraft draft;
    final ResponseEvents events;
    private final boolean expectContinue;
    /** The fixed head, null while the handler may shape it; published with a release store. */
    private volatile FixedHead head;
    private boolean sent100;

    ResponseHead(ResponseSink sink, HeadDraft draft, ResponseEvents events, boolean expectContinue) {
        this.sink = sink;
        this.loop = sink.loop();
        this.draft = draft;
        this.events = events;
        this.expectContinue = expectContinue;
    }

    /** The head is fixed; {@code sendNow} when it must go out before any body. */
    abstract void headFixed(boolean sendNow);

    /** Trailers given to {@code addTrailers}, checked. */
    abstract void trailers(HttpHeaders trailers);

    // ---------------------------------------------------------------- one owner

    final boolean away() {
        return !loop.inEventLoop();
    }

    /** Runs {@code call} on the loop and returns its result; see the class comment. */
    final <T> T hop(Supplier<T> call) {
        return Hops.run(loop, call, false, null, events);
    }

    /** A call that changes state and has no result: queued, not awaited, from another event loop. */
    final <T> T hop(Supplier<T> call, T ifQueued) {
        return Hops.run(loop, call, true, ifQueued, events);
    }

    final void hopVoid(Runnable call) {
        Hops.run(loop, () -> {
            call.run();
            return null;
        }, true, null, events);
    }

    // ---------------------------------------------------------------- status line and headers

    @Override
    public int statusCode() {
        return away() ? hop(this::statusCode) : draft.statusCode;
    }

    @Override
    public ServerResponse statusCode(int code) {
        if (away()) {
            return hop(() -> statusCode(code), this);
        }
        draft.statusCode = code;
        return this;
    }

    @Override
    public String statusMessage() {
        return away() ? hop(this::statusMessage) : sink.reasonPhrase() ? draft.statusMessage : "";
    }

    @Override
    public ServerResponse statusMessage(String message) {
        if (away()) {
            return hop(() -> statusMessage(message), this);
        }
        if (sink.reasonPhrase()) {
            draft.statusMessage = message;
        } else {
            sink.statusMessageIgnored();
        }
        return this;
    }

    @Override
    public ServerResponse setHeader(String name, String value) {
        if (away()) {
            return hop(() -> setHeader(name, value), this);
        }
        checkHeadOpen("set");
        draft.setHeader(name, value);
        return this;
    }

    @Override
    public ServerResponse setHeader(String name, long value) {
        return setHeader(name, Long.toString(value));
    }

    @Override
    public ServerResponse setHeader(String name, List<String> values) {
        if (away()) {
            return hop(() -> setHeader(name, values), this);
        }
        checkHeadOpen("set");
        draft.setHeader(name, values);
        return this;
    }

    @Override
    public ServerResponse appendHeader(String name, String value) {
        if (away()) {
            return hop(() -> appendHeader(name, value), this);
        }
        checkHeadOpen("append");
        draft.appendHeader(name, value);
        return this;
    }

    @Override
    public String getHeader(String name) {
        return away() ? hop(() -> getHeader(name)) : draft.getHeader(name);
    }

    @Override
    public List<String> getHeaderValues(String name) {
        return away() ? hop(() -> getHeaderValues(name)) : draft.getHeaderValues(name);
    }

    @Override
    public boolean hasHeader(String name) {
        return away() ? hop(() -> hasHeader(name)) : draft.hasHeader(name);
    }

    @Override
    public List<String> getHeaderNames() {
        return away() ? hop(this::getHeaderNames) : draft.getHeaderNames();
    }

    @Override
    public Map<String, List<String>> getHeaders() {
        return away() ? hop(this::getHeaders) : draft.getHeaders();
    }

    @Override
    public void removeHeader(String name) {
        if (away()) {
            hopVoid(() -> removeHeader(name));
            return;
        }
        HeadDraft.checkNameArgument(name);
        checkHeadOpen("remove");
        draft.removeHeader(name);
    }

    @Override
    public boolean sendDate() {
        return away() ? hop(this::sendDate) : draft.sendDate;
    }

    @Override
    public ServerResponse sendDate(boolean send) {
        if (away()) {
            return hop(() -> sendDate(send), this);
        }
        draft.sendDate = send;
        return this;
    }

    final void checkHeadOpen(String what) {
        if (head != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot " + what + " headers after they are sent to the client");
        }
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
        if (away()) {
            return hop(() -> writeHead(code, reasonPhrase, headers), this);
        }
        if (head != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot write headers after they are sent to the client");
        }
        if (code < 100 || code > 999) {
            throw new HttpException(HttpException.ERR_HTTP_INVALID_STATUS_CODE, "Invalid status code: " + code);
        }
        if (reasonPhrase != null && sink.reasonPhrase()) {
            draft.statusMessage = reasonPhrase;
        } else {
            if (reasonPhrase != null) {
                sink.statusMessageIgnored();
            }
            if (draft.statusMessage == null || draft.statusMessage.isEmpty()) {
                draft.statusMessage = StatusCodes.reason(code);
            }
        }
        draft.statusCode = code;
        // like Node, headers given only to writeHead are not kept if the head cannot be fixed
        boolean onlyHere = draft.empty();
        try {
            if (headers != null) {
                for (Map.Entry<String, ?> e : headers.entrySet()) {
                    draft.mergeHeader(e.getKey(), e.getValue());
                }
            }
            if (HeaderRules.hasInvalidChar(draft.statusMessage)) {
                throw new HttpException(HttpException.ERR_INVALID_CHAR, "Invalid character in statusMessage");
            }
            if (code == 204 || code == 304 || code < 200) {
                draft.hasBody = false;
            }
            if (expectContinue && !sent100) {
                // the client may still send the body it was told to hold back: never reuse this connection
                draft.keepAlive = false;
            }
            HEAD.setRelease(this, sink.fixHead(draft));
        } catch (RuntimeException e) {
            if (onlyHere) {
                draft.clearHeaders();
            }
            throw e;
        }
        headFixed(head.sendAtOnce());
        return this;
    }

    /** The head as the handler left it, fixed because the body starts. */
    void implicitHead() {
        writeHead(draft.statusCode);
    }

    /** The fixed head; null while the handler may still shape it. */
    FixedHead head() {
        return head;
    }

    @Override
    public boolean headersSent() {
        return head != null;
    }

    @Override
    public void writeContinue() {
        if (away()) {
            hopVoid(() -> writeContinue());
            return;
        }
        if (head != null) {
            throw new HttpException(HttpException.ERR_HTTP_HEADERS_SENT,
                    "Cannot write headers after they are sent to the client");
        }
        sink.sendContinue();
        sent100 = true;
    }

    @Override
    public void addTrailers(Map<String, String> values) {
        if (away()) {
            hopVoid(() -> addTrailers(values));
            return;
        }
        trailers(HeaderRules.trailers(values));
    }
}
