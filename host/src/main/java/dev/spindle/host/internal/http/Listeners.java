package dev.spindle.host.internal.http;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Before the data path: the listening sockets of {@link HttpEngine} (cleartext and TLS), their
 * options, and the port-sharing rules a replacement listener relies on.
 */
final class Listeners {

    private Listeners() {
    }

    /** The listening socket's bootstrap: this engine's loops and transport, the port shared where it can be. */
    static ServerBootstrap bootstrap(EventLoopGroup group, boolean epoll, boolean sharesPort,
            ChannelInitializer<SocketChannel> child) {
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(child);
        if (sharesPort) {
            // a replacement listener (new address, transport or event loops) binds the same port
            // beside this one, so that there is no moment without a listener
            if (epoll) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                b.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        return b;
    }

    /**
     * Refuses a port another process listens on. Listeners share their port with later ones
     * ({@code SO_REUSEPORT}) so that a replacement can bind beside them; a second server of the
     * same user would then share it silently, each getting part of the connections. A plain
     * bind, without that option, fails on a port someone listens on: tried and closed first.
     */
    static void requireFree(String host, int port) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true); // connections of an earlier run in TIME_WAIT do not count
            probe.bind(new InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot listen on " + host + ":" + port
                    + ": another process listens there (" + e.getMessage() + ")", e);
        }
    }

    static final boolean NIO_REUSE_PORT = nioReusePort();

    private static boolean nioReusePort() {
        try (java.nio.channels.ServerSocketChannel probe = java.nio.channels.ServerSocketChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
