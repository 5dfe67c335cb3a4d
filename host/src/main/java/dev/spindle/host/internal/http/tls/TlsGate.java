package dev.spindle.host.internal.http.tls;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.buffer.ByteBufAllocator;

/**
 * Data path, first handler of a connection to the TLS port: looks at the first record header.
 * TLS goes on to Netty's {@link SniHandler} (which asks {@link TlsContexts} for the current
 * certificate) and {@link AlpnSwitch}; anything else (plain HTTP sent to the HTTPS port) gets a
 * plain-text {@code 400} saying so, and the connection closes. The whole handshake, from the
 * accept, must complete within {@code handshakeTimeoutMillis} or the connection is closed, so that
 * a client that connects and sends nothing, or stops halfway, holds nothing for long.
 */
public final class TlsGate extends ByteToMessageDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(TlsGate.class);
    private static final String NOT_TLS_BODY = "This port speaks HTTPS: send the request over TLS (https://).\n";
    private static final byte[] NOT_TLS = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            + "Content-Length: " + NOT_TLS_BODY.length() + "\r\nConnection: close\r\n\r\n" + NOT_TLS_BODY)
            .getBytes(StandardCharsets.US_ASCII);
    /** A TLS record header: type, version, length. */
    private static final int RECORD_HEADER = 5;

    private final TlsContexts tls;
    private final Consumer<Channel> http1;
    private final Consumer<Channel> h2;
    private final long timeoutMillis;
    private ScheduledFuture<?> deadline;

    /**
     * Installs the TLS handshake at the head of {@code ch}'s pipeline: after it, ALPN hands the
     * channel to {@code http1} or {@code h2} (null: h2 is not offered).
     */
    public static void install(Channel ch, TlsContexts tls, Consumer<Channel> http1, Consumer<Channel> h2) {
        ch.pipeline().addLast("tls-gate", new TlsGate(tls, http1, h2));
    }

    /** Whether {@code ch} is still in its TLS handshake: it owes no response and may be closed at once. */
    public static boolean handshaking(Channel ch) {
        return ch.pipeline().get(TlsGate.class) != null || ch.pipeline().get(SniHandler.class) != null
                || ch.pipeline().get(AlpnSwitch.class) != null;
    }

    private TlsGate(TlsContexts tls, Consumer<Channel> http1, Consumer<Channel> h2) {
        this.tls = tls;
        this.http1 = http1;
        this.h2 = h2;
        this.timeoutMillis = tls.settings().handshakeTimeoutMillis();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (timeoutMillis > 0) {
            deadline = ctx.executor().schedule(() -> {
                if (handshaking(ch)) {
                    LOG.debug("TLS handshake of {} not complete within {} ms: closing", ch.remoteAddress(), timeoutMillis);
                    ch.close();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> deadline.cancel(false));
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RECORD_HEADER) {
            return;
        }
        if (!SslHandler.isEncrypted(in, false)) {
            LOG.debug("Plain text from {} on the TLS port: 400", ctx.channel().remoteAddress());
            in.skipBytes(in.readableBytes());
            ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_TLS)).addListener(ChannelFutureListener.CLOSE);
            ctx.pipeline().remove(this);
            return;
        }
        ctx.pipeline().addAfter(ctx.name(), "alpn", new AlpnSwitch(http1, h2, deadline));
        ctx.pipeline().replace(this, "sni", new TimedSniHandler(tls, timeoutMillis));
    }

    /** Netty's SNI handler, whose SSL handler gets the same handshake timeout. */
    private static final class TimedSniHandler extends SniHandler {
        private final long timeoutMillis;

        TimedSniHandler(TlsContexts tls, long timeoutMillis) {
            super(tls.mapping(), timeoutMillis);
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
            SslHandler ssl = super.newSslHandler(context, allocator);
            ssl.setHandshakeTimeoutMillis(timeoutMillis);
            return ssl;
        }
    }
}
