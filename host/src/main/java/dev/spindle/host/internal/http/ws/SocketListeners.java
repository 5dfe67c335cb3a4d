package dev.spindle.host.internal.http.ws;

import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.WebSocket;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Data path: a {@link WebSocketConnection}'s way to its handler. The listeners the handler set
 * (from any thread: each a volatile field, one listener per event as in the {@code ws} package's
 * {@code on}), called on the event loop; one that throws is logged, counted on its handler, and
 * the socket goes on. {@code onClose} runs at most once.
 */
final class SocketListeners {

    private static final Logger LOG = LoggerFactory.getLogger(SocketListeners.class);

    volatile WebSocket.MessageListener message;
    volatile Consumer<byte[]> ping;
    volatile Consumer<byte[]> pong;
    volatile WebSocket.CloseListener close;
    volatile Consumer<Throwable> error;
    volatile Runnable drain;
    private boolean closed;

    void message(WebSocket.Message m, RouteTarget target) {
        WebSocket.MessageListener l = message;
        if (l != null) {
            try { // not through run(): no lambda per message
                l.onMessage(m);
            } catch (Throwable t) {
                failed(t, "onMessage", target);
            }
        }
    }

    void ping(byte[] data, RouteTarget target) {
        Consumer<byte[]> l = ping;
        if (l != null) {
            run(() -> l.accept(data), "onPing", target);
        }
    }

    void pong(byte[] data, RouteTarget target) {
        Consumer<byte[]> l = pong;
        if (l != null) {
            run(() -> l.accept(data), "onPong", target);
        }
    }

    void error(Throwable cause, RouteTarget target) {
        Consumer<Throwable> l = error;
        if (l != null) {
            run(() -> l.accept(cause), "onError", target);
        }
    }

    void drain(RouteTarget target) {
        Runnable l = drain;
        if (l != null) {
            run(l, "onDrain", target);
        }
    }

    /** A send's callback: {@code null} when the message was written, else why not. */
    void sent(Consumer<Throwable> callback, Throwable cause, RouteTarget target) {
        if (callback != null) {
            run(() -> callback.accept(cause), "send callback", target);
        }
    }

    void close(int code, String reason, RouteTarget target) {
        WebSocket.CloseListener l = close;
        if (!closed && l != null) {
            run(() -> l.onClose(code, reason), "onClose", target);
        }
        closed = true;
    }

    private static void run(Runnable listener, String which, RouteTarget target) {
        try {
            listener.run();
        } catch (Throwable t) {
            failed(t, which, target);
        }
    }

    private static void failed(Throwable t, String which, RouteTarget target) {
        target.listenerFailed(RequestMethod.GET); // a WebSocket's request is a GET
        if (target.thrown().first(t)) {
            LOG.warn("The {} listener of WebSocket handler service {} threw", which, target.serviceId(), t);
        }
    }
}
