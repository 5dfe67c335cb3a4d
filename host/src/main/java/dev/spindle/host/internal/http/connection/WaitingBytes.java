package dev.spindle.host.internal.http.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * Data path: beside a connection's write timer, for HTTP/1.1 ({@link WriteFlow}) and HTTP/2
 * ({@code H2Ending}): bytes a flush left in the outbound buffer because the socket took no more.
 * The write timer runs while that buffer is over its high-water mark; what waits under it (a
 * response's tail, a stream's last DATA, the socket's own buffers full) would wait for ever for a
 * client that stopped reading, and hold its connection and exchange. So a marker is written after
 * those bytes: until it reaches the socket, the connection's write timer runs for them, and
 * {@link #watched()} tells its expiry to close. Made on a connection's first need: most never
 * leave bytes waiting. Event loop only.
 */
public final class WaitingBytes {

    private final ChannelHandlerContext ctx;
    /** The marker reached the socket and the buffer is under its high-water mark: the owner stops its timer. */
    private final Runnable reached;
    /** The marker on its way; 0: none. */
    private int watching;
    private int markers;

    /**
     * @param ctx     the connection's handler, which writes the marker
     * @param reached what the owner does once the marker reached the socket with the channel writable
     */
    public WaitingBytes(ChannelHandlerContext ctx, Runnable reached) {
        this.ctx = ctx;
        this.reached = reached;
    }

    /** Whether bytes wait in {@code ch}'s outbound buffer for the socket. */
    public static boolean in(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out != null && !out.isEmpty();
    }

    /** Whether a marker is on its way: the write timer runs for the bytes before it. */
    public boolean watched() {
        return watching != 0;
    }

    /**
     * After a flush that left bytes waiting: a marker after them, unless one is on its way already.
     * Returns whether a new one is on its way (the owner arms its timer); not when the socket took
     * it at once.
     */
    public boolean watch() {
        if (watching != 0 || !ctx.channel().isActive()) {
            return false;
        }
        int id = ++markers == 0 ? ++markers : markers;
        watching = id;
        ctx.write(Unpooled.EMPTY_BUFFER).addListener(done -> {
            if (watching == id) {
                watching = 0;
                if (done.isSuccess() && ctx.channel().isWritable()) {
                    reached.run();
                }
            }
        });
        ctx.flush();
        return watching == id;
    }

    /**
     * The buffer went under its low-water mark (the owner stopped its timer): what still waits is
     * watched afresh, the marker on its way forgotten. Returns whether a new one is on its way.
     */
    public boolean rewatch() {
        watching = 0;
        return in(ctx.channel()) && watch();
    }
}
