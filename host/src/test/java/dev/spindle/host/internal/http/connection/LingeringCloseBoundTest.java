package dev.spindle.host.internal.http.connection;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * {@link LingeringClose#afterFlush} over a real socket whose client reads nothing: the bytes
 * written before it can never all reach the socket, and the close must not wait for them forever.
 * The server's water marks are set so high that the channel never turns unwritable, so no write
 * timeout would ever end this connection: the bound of {@code afterFlush} is the only one.
 */
class LingeringCloseBoundTest {

    private EventLoopGroup group;
    private Channel listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aCloseAfterWritesTheClientNeverTakesHappensWithinTheBound() throws Exception {
        CompletableFuture<Channel> served = new CompletableFuture<>();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 4096)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 << 20, 128 << 20))
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        // far more than the two sockets' buffers hold while the client reads nothing
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[8 << 20]));
                        LingeringClose.afterFlush(ctx);
                        served.complete(ctx.channel());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096);
            client.connect((InetSocketAddress) listener.localAddress());
            Channel ch = served.get(5, TimeUnit.SECONDS);
            ChannelFuture closed = ch.closeFuture();
            assertTrue(closed.await(LingeringClose.LINGER_MILLIS + 4000),
                    () -> "closed within the bound although the client read nothing (still pending: "
                            + ch.unsafe().outboundBuffer().totalPendingWriteBytes() + " bytes)");
        }
    }
}
