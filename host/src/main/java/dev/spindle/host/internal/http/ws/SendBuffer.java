package dev.spindle.host.internal.http.ws;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Data path: a {@link WebSocketConnection}'s outgoing side as the handler sees it. Counts the
 * payload bytes sent and not yet written to the socket ({@code bufferedAmount}) from any thread,
 * tells {@code send} whether they are over the high-water mark, and calls the drain listener once
 * they fall below half of it after a {@code send} was told so. Counts what was written for the
 * shell; written on the event loop only. The messages without a callback are written with a void
 * promise and accounted by batch (those of one read, or one message outside a read): at once when
 * the flush left nothing in Netty's outbound buffer, else by one listener on an empty write after
 * them (Netty completes a channel's writes in order). No promise listener per message.
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
    /** The batch: messages without a callback written and not accounted yet (event loop only). */
    private long batchBytes;
    private int batchMessages;
    private ChannelPromise voidPromise;

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

    /**
     * Writes a message of {@code n} bytes to the open socket, flushed now unless {@code reading} (the
     * connection flushes at the read's end). Without a callback it joins the batch; with one, it is
     * accounted by its own listener after the batch before it. On the event loop.
     */
    void write(ChannelHandlerContext ctx, WebSocketFrame frame, int n, Consumer<Throwable> callback, boolean reading,
            RouteTarget target) {
        if (callback == null) {
            if (voidPromise == null) {
                voidPromise = new VoidChannelPromise(ctx.channel(), false); // failures are the close's to report
            }
            ctx.write(frame, voidPromise);
            batchBytes += n;
            batchMessages++;
            if (!reading) {
                ctx.flush();
                closeBatch(ctx, true, target);
            }
        } else {
            closeBatch(ctx, false, target); // the messages before are accounted before this one's callback runs
            ChannelFuture f = reading ? ctx.write(frame) : ctx.writeAndFlush(frame);
            f.addListener(done -> written(n, callback, done.cause(), target));
        }
    }

    /**
     * The batch ends: {@code flushed}, or a message with a callback follows it (that callback then
     * sees it written). It is accounted now if the socket took all that was flushed, else once an
     * empty write after it is done. On the event loop.
     */
    void closeBatch(ChannelHandlerContext ctx, boolean flushed, RouteTarget target) {
        if (batchMessages == 0) {
            return;
        }
        long bytes = batchBytes;
        int messages = batchMessages;
        batchBytes = 0;
        batchMessages = 0;
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null) { // closed: the writes failed
            written(bytes, messages, new ClosedChannelException(), target);
        } else if (flushed && out.isEmpty()) {
            written(bytes, messages, null, target);
        } else {
            ChannelFuture marker = flushed ? ctx.writeAndFlush(Unpooled.EMPTY_BUFFER) : ctx.write(Unpooled.EMPTY_BUFFER);
            marker.addListener(f -> written(bytes, messages, f.cause(), target));
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
