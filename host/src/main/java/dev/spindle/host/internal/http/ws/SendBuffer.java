package dev.spindle.host.internal.http.ws;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelFuture;

/**
 * Data path: a {@link WebSocketConnection}'s outgoing side as the handler sees it. Counts the
 * payload bytes sent and not yet written to the socket ({@code bufferedAmount}) from any thread,
 * tells {@code send} whether they are over the high-water mark, and calls the drain listener once
 * they fall below half of it after a {@code send} was told so. Counts what was written for the
 * shell; written on the event loop only. The messages written during one read without a callback
 * are accounted together: one listener on the last write of the batch once it is flushed (Netty
 * completes a channel's writes in order), not one per message.
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
    /** The batch: messages without a callback written and not flushed yet (event loop only). */
    private long batchBytes;
    private int batchMessages;
    private ChannelFuture batchLast;

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

    /** {@code write} of a message of {@code n} bytes without a callback joins the batch of the read. On the event loop. */
    void batched(ChannelFuture write, long n) {
        batchBytes += n;
        batchMessages++;
        batchLast = write;
    }

    /** The batch was flushed (or a message with a callback follows it): it is accounted once its last write is done. On the event loop. */
    void closeBatch(RouteTarget target) {
        if (batchLast != null) {
            long bytes = batchBytes;
            int messages = batchMessages;
            ChannelFuture last = batchLast;
            batchLast = null;
            batchBytes = 0;
            batchMessages = 0;
            last.addListener(f -> written(bytes, messages, f.cause(), target));
        }
    }

    /** A message of {@code n} bytes was written ({@code cause} null) or failed. On the event loop. */
    void written(long n, Consumer<Throwable> callback, Throwable cause, RouteTarget target) {
        written(n, 1, cause, target);
        listeners.sent(callback, cause, target);
    }

    /** {@code messages} messages of {@code n} bytes in all were written ({@code cause} null) or failed. On the event loop. */
    private void written(long n, int messages, Throwable cause, RouteTarget target) {
        long left = buffered.addAndGet(-n);
        if (cause == null) {
            MESSAGES_OUT.setOpaque(this, messagesOut + messages);
            BYTES_OUT.setOpaque(this, bytesOut + n);
        }
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
