package dev.spindle.host.internal.http.tls;

import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * Data path, after the {@code SslHandler} of a TLS connection: once the handshake completes,
 * hands the channel to the protocol ALPN chose: {@code h2} to the HTTP/2 layer, anything else
 * (http/1.1, or a client that offered no protocol or none of ours) to HTTP/1.1, whose handlers
 * then hear {@code channelActive} as on a cleartext connection. Reads that arrive meanwhile are
 * kept and replayed by Netty's base class. A failed handshake closes the connection (logged at
 * debug: clients cause these, and the log must not be theirs to fill).
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AlpnSwitch.class);

    private final Consumer<Channel> http1;
    private final Consumer<Channel> h2;
    private final ScheduledFuture<?> deadline;

    AlpnSwitch(Consumer<Channel> http1, Consumer<Channel> h2, ScheduledFuture<?> deadline) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.http1 = http1;
        this.h2 = h2;
        this.deadline = deadline;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (ApplicationProtocolNames.HTTP_2.equals(protocol) && h2 != null) {
            h2.accept(ctx.channel());
        } else {
            http1.accept(ctx.channel());
            ctx.fireChannelActive();
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), String.valueOf(cause));
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("TLS connection {} failed before its protocol was chosen: {}", ctx.channel().remoteAddress(),
                String.valueOf(cause));
        ctx.close();
    }
}
