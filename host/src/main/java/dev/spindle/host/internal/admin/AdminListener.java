package dev.spindle.host.internal.admin;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The admin listener's socket and pipeline, apart from the engine: one event loop of its own (so a
 * health check still answers while the engine's loops are held), and per connection Netty's
 * {@link HttpServerCodec}, {@link HttpObjectAggregator} (requests are heads only: 8 KiB at most),
 * {@link HttpServerKeepAliveHandler}, then the {@link AdminHandler}. Idle connections close after
 * a minute (a dashboard's event stream excepted). A connection with more than
 * {@value #HIGH_WATER_BYTES} bytes not yet taken by its reader is unwritable: the dashboard's
 * stream sends it nothing more until it reads.
 */
final class AdminListener implements AutoCloseable {

    private static final int MAX_REQUEST_BYTES = 8192;
    private static final int IDLE_SECONDS = 60;
    static final int HIGH_WATER_BYTES = 64 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("spindle-admin", true), NioIoHandler.newFactory());
    private final Channel server;

    /** Listens on {@code host:port}; throws {@link IllegalStateException} if it cannot bind. */
    AdminListener(String host, int port, AdminHandler handler) throws InterruptedException {
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(HIGH_WATER_BYTES / 2,
                        HIGH_WATER_BYTES))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS), new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_REQUEST_BYTES), new HttpServerKeepAliveHandler(), handler);
                    }
                })
                .bind(host, port).await();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + bound.cause(), bound.cause());
        }
        server = bound.channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops listening, closes every admin connection, stops the event loop. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
