package dev.spindle.host.internal.http.ws;

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

    private final long highWaterMark;
    private final SocketListeners listeners;
    private final AtomicLong buffered = new AtomicLong();
    /** A send returned false: a drain is owed. */
    private volatile boolean full;
    private volatile long messagesOut;
    private volatile long bytesOut;

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
            messagesOut++;
            bytesOut += n;
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
        return messagesOut;
    }

    long bytesOut() {
        return bytesOut;
    }
}
