package dev.spindle.host.internal.http.ws;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.spindle.host.internal.router.RouteTarget;

/**
 * Data path: a {@link WebSocketConnection}'s outgoing side as the handler sees it. Counts the
 * payload bytes sent and not yet written to the socket ({@code bufferedAmount}) from any thread,
 * tells {@code send} whether they are over the high-water mark, and calls the drain listener once
 * they fall below half of it after a {@code send} was told so. Counts what was written for the
 * shell; written on the event loop only.
 */
final class SendBuffer {

    private static final VarHandle MESSAGES_OUT;
    private static final VarHandle BYTES_OUT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MESSAGES_OUT = lookup.findVarHandle(SendBuffer.class, "messagesOut", long.class);
            BYTES_OUT = lookup.findVarHandle(SendBuffer.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long highWaterMark;
    private final SocketListeners listeners;
    private final AtomicLong buffered = new AtomicLong();
    /** A send returned false: a drain is owed. */
    private volatile boolean full;
    /** Written on the event loop only, opaque (no fence per message), read by the shell. */
    private long messagesOut;
    private long bytesOut;

    SendBuffer(long highWaterMark, SocketListeners listeners) {
        this.highWaterMark = highWaterMark;
        this.listeners = listeners;
    }

    /** {@code n} more bytes are on their way: whether the buffer is still below the high-water mark. */
    boolean add(long n) {
        if (buffered.addAndGet(n) >= highWaterMark) {
            full = true;
            return false;
        }
        return true;
    }

    /** A message of {@code n} bytes was written ({@code cause} null) or failed. On the event loop. */
    void written(long n, Consumer<Throwable> callback, Throwable cause, RouteTarget target) {
        long left = buffered.addAndGet(-n);
        if (cause == null) {
            MESSAGES_OUT.setOpaque(this, messagesOut + 1);
            BYTES_OUT.setOpaque(this, bytesOut + n);
        }
        listeners.sent(callback, cause, target);
        if (full && left < highWaterMark / 2) {
            full = false;
            listeners.drain(target);
        }
    }

    long buffered() {
        return buffered.get();
    }

    long messagesOut() {
        return (long) MESSAGES_OUT.getOpaque(this);
    }

    long bytesOut() {
        return (long) BYTES_OUT.getOpaque(this);
    }
}
