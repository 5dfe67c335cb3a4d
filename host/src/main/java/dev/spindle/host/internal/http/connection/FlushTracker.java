package dev.spindle.host.internal.http.connection;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * Data path: inside {@link HttpConnection}, after a response's last part is written. Knows which
 * exchanges' responses are written but not yet in the socket, and finishes them (Node's
 * {@code 'finish'}) when a flush got them there: at once when the flush emptied the outbound
 * buffer (all of them, with the flush's time and no clock read each), else through one marker
 * write that completes after everything written before it. Event loop only.
 */
final class FlushTracker extends StreamLine {

    private final ChannelHandlerContext ctx;
    private final ResponseEncoder encoder;
    // the line (see StreamLine): streams whose responses are written but not yet known to be in the socket
    private long writeSeq;
    /** The highest sequence number a pending flush marker covers. */
    private long markedSeq;
    /** While the exchanges a flush completed are finished: when that flush began; else 0. */
    private long finishedAtNanos;

    /** Told when a flush leaves bytes the socket did not take (the connection's write timer watches them). */
    private final Runnable leftWaiting;

    FlushTracker(ChannelHandlerContext ctx, ResponseEncoder encoder, Runnable leftWaiting) {
        this.ctx = ctx;
        this.encoder = encoder;
        this.leftWaiting = leftWaiting;
    }

    /** The last part of {@code stream}'s response was written with the void promise. */
    void lastWritten(Http1Stream stream) {
        stream.writeSeq = ++writeSeq;
        addLast(stream);
    }

    /** When the flush whose exchanges are being finished now began; 0 outside of that. */
    long finishedAtNanos() {
        return finishedAtNanos;
    }

    /** Flushes, then finishes the exchanges whose responses are now all in the socket. */
    void flush() {
        ctx.flush();
        ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
        if (pending == null) {
            return; // closed: the connection destroys them
        }
        if (!pending.isEmpty()) {
            leftWaiting.run();
        }
        if (isEmpty()) {
            return;
        }
        if (pending.isEmpty()) {
            finishedAtNanos = encoder.lastActiveNanos;
            try {
                finishWritten(writeSeq);
            } finally {
                finishedAtNanos = 0;
            }
        } else if (markedSeq != writeSeq) {
            long upTo = writeSeq;
            markedSeq = upTo;
            ctx.write(Unpooled.EMPTY_BUFFER).addListener(done -> {
                if (done.isSuccess()) {
                    finishWritten(upTo);
                }
            });
            ctx.flush();
        }
    }

    /**
     * Lets everything written so far go out, finishes what it completes, then closes the
     * connection: lingering (see {@link LingeringClose}), so that what the client still sends
     * cannot turn the close into a reset that loses the responses just written. {@code lingering}
     * runs as the linger begins, when nothing more can be written.
     */
    void flushAndClose(Runnable lingering) {
        long upTo = writeSeq;
        ChannelFuture flushed = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
        if (WaitingBytes.in(ctx.channel())) {
            leftWaiting.run();
        }
        flushed.addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                finishWritten(upTo);
                if (ctx.channel().isActive() && !LingeringClose.lingering(ctx.channel())) {
                    lingering.run();
                }
                LingeringClose.linger(ctx.channel());
            } else if (!LingeringClose.lingering(ctx.channel())) {
                // not a close after flush that an earlier one's linger failed (its output is shut):
                // closing now would reset the connection the linger is there to end without one
                ctx.close();
            }
        });
    }

    private void finishWritten(long upTo) {
        Http1Stream s;
        while ((s = first()) != null && s.writeSeq <= upTo) {
            pollFirst();
            s.exchange().finished();
        }
    }

    /** Whether a response of {@code target}'s is written but not yet in the socket. */
    boolean holds(RouteTarget target) {
        for (Http1Stream s : copy()) {
            if (s.exchange().target() == target) {
                return true;
            }
        }
        return false;
    }

    /** The connection is gone: what was written and never reached the socket ends with {@code why}. */
    void destroyAll(Outcome why) {
        Http1Stream s;
        while ((s = pollFirst()) != null) {
            s.destroy(why);
        }
    }
}
