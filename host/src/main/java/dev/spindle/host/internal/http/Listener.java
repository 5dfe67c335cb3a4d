package dev.spindle.host.internal.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.function.Consumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
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
 * Data path: the entry, before any connection exists. One of {@link HttpEngine}'s listening
 * sockets (the cleartext port, and the TLS port when there is one) on the engine's event loops
 * (epoll or NIO): binds it, hands each connection it accepts to the engine for its pipeline, and closes and binds it again at the same address. Where the transport
 * allows ({@code SO_REUSEPORT}), the port is shared with the listener that replaces this one, so
 * that there is no moment without a listener; a port another process listens on is refused.
 */
final class Listener {

    private static final boolean NIO_REUSE_PORT = nioReusePort();

    private final EventLoopGroup group;
    private final boolean epoll;
    private final Consumer<SocketChannel> accepted;
    private volatile Channel channel;
    private ServerBootstrap bootstrap;
    private InetSocketAddress bound;

    /** @param accepted builds the pipeline of each connection accepted, on its event loop */
    Listener(EventLoopGroup group, boolean epoll, Consumer<SocketChannel> accepted) {
        this.group = group;
        this.epoll = epoll;
        this.accepted = accepted;
    }

    /** Binds {@code host:port} (0: any free port) and starts accepting; returns the bound address. */
    InetSocketAddress bind(String host, int port) throws InterruptedException {
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.accept(ch);
                    }
                });
        if (sharesPort()) {
            // a replacement listener (new address, transport or event loops) binds the same port
            // beside this one, so that there is no moment without a listener
            if (epoll) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                b.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        bootstrap = b;
        channel = b.bind(host, port).sync().channel();
        bound = (InetSocketAddress) channel.localAddress();
        return bound;
    }

    /** Binds again, at the address it had, the listener that {@link #bind} opened and was closed since. */
    void bindAgain() throws InterruptedException {
        channel = bootstrap.bind(bound).sync().channel();
    }

    /** The listening socket's channel; null before {@link #bind}. */
    Channel channel() {
        return channel;
    }

    /** The address the listener is bound to; null before {@link #bind}. */
    InetSocketAddress address() {
        Channel ch = channel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    /**
     * Whether this listener lets a replacement bind the same port beside it
     * ({@code SO_REUSEPORT}: epoll has it, NIO where the JDK offers it, as on Linux).
     */
    boolean sharesPort() {
        return epoll || NIO_REUSE_PORT;
    }

    /**
     * Refuses a port another process listens on. Listeners share their port with later ones
     * ({@code SO_REUSEPORT}) so that a replacement can bind beside them; a second server of the
     * same user would then share it silently, each getting part of the connections. A plain
     * bind, without that option, fails on a port someone listens on: tried and closed first.
     */
    static void requireFree(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // connections of an earlier run in TIME_WAIT do not count
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot listen on " + host + ":" + port
                    + ": another process listens there (" + e.getMessage() + ")", e);
        }
    }

    private static boolean nioReusePort() {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
