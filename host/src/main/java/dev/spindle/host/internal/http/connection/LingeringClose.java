package dev.spindle.host.internal.http.connection;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * Data path: the end of a connection the server closes after its last response, for HTTP/1.1
 * ({@code Connection: close}, a refusal, the shutdown) and HTTP/2 (the last stream after
 * GOAWAY), without losing that response. A socket closed while bytes the client sent are still
 * unread in it makes the kernel answer with a TCP reset instead of a FIN, and a reset makes the
 * client's kernel drop what it had received but the client had not yet read: the tail of the
 * very response the close followed. Clients send such bytes all the time: an HTTP/2 client's
 * WINDOW_UPDATEs for the DATA it takes, a pipelined request, the rest of a body refused with 413.
 *
 * <p>So the close lingers, as Apache's and nginx's lingering close and Go's reset avoidance do:
 * once everything written is in the socket, the sending side is shut ({@code close_notify} first
 * over TLS), so the client reads the whole response and then the end of the stream; what still
 * arrives is read and thrown away, without reaching the protocol's handlers; the socket closes
 * when the client closes its side, or {@link #LINGER_MILLIS} later at most. Event loop only.
 */
public final class LingeringClose {

    /** Longest time a closing connection keeps reading after its sending side is shut. */
    public static final long LINGER_MILLIS = 1000;

    private static final String NAME = "lingering-close";

    private LingeringClose() {
    }

    /**
     * Closes {@code ch} once what {@code ctx} (a handler of its pipeline) wrote so far is in the
     * socket, lingering as the class says. A channel that cannot shut only its sending side (not a
     * socket) is closed then; one already lingering is left to its linger (a write on it fails:
     * its sending side is shut), which ends by the limit at most. What is written then
     * is no response (HTTP/2's GOAWAY, or frames after the last stream's end): a client that does
     * not take it within {@link #LINGER_MILLIS} (a full socket buffer it does not read) is closed
     * then, as before there was a linger, instead of holding the connection open.
     */
    public static void afterFlush(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        // closed from ctx: the channel's close would pass HTTP/2's handler, whose graceful close
        // waits for an empty write to reach the socket, which is what never happens here
        ScheduledFuture<?> bound = ch.eventLoop().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
            bound.cancel(false);
            if (written.isSuccess()) {
                linger(ch);
            } else if (!lingering(ch)) {
                ch.close(); // else failed on the output an earlier linger shut: left to that linger
            }
        });
    }

    /** Whether {@code ch} is lingering: its last response sent, its sending side shut or about to be. */
    public static boolean lingering(Channel ch) {
        return ch.pipeline().get(NAME) != null;
    }

    /** Lingers on {@code ch}, whose writes are all in the socket; see the class. */
    static void linger(Channel ch) {
        if (!ch.isActive() || !(ch instanceof DuplexChannel socket)) {
            ch.close();
            return;
        }
        ChannelPipeline p = ch.pipeline();
        if (p.get(NAME) != null) {
            return;
        }
        ChannelHandlerContext tls = p.context(SslHandler.class);
        if (tls != null) {
            p.addAfter(tls.name(), NAME, new Discard());
        } else {
            p.addFirst(NAME, new Discard());
        }
        ScheduledFuture<?> limit = ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> limit.cancel(false));
        ChannelFuture last = tls != null ? ((SslHandler) tls.handler()).closeOutbound() : ch.newSucceededFuture();
        last.addListener(sent -> {
            if (!sent.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            socket.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    ch.close();
                }
            });
        });
        ch.config().setAutoRead(true);
        ch.read();
    }

    /**
     * First in the pipeline (after TLS) while the connection lingers: what arrives is dropped; the
     * client's end of the stream (Netty closes the channel on it) or a failure ends the linger.
     */
    private static final class Discard extends ChannelInboundHandlerAdapter {

        /** The end of the read under way when the linger began (if one was) has been passed on. */
        private boolean readEnded;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // the protocol's handlers are done, but a linger begun inside a read (a response
            // answered and flushed in it) leaves that read open in them: its end (their batch's
            // accounting, the blocked-loop span of its handler calls) is passed on once; outside
            // a read, that end finds nothing open
            if (!readEnded) {
                readEnded = true;
                ctx.fireChannelReadComplete();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.close(); // the client's end, on a channel that allows half closure
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // nothing more is written
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public boolean isSharable() {
            return false;
        }
    }
}
