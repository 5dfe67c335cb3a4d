package dev.spindle.host.internal.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Data path: the entry, before any connection exists. One of {@link HttpEngine}'s listening
 * sockets (the cleartext port, and the TLS port when there is one). It accepts on an event loop of
 * its own (epoll or NIO) and hands each connection to the engine that serves it: registered on
 * one of that engine's loops, where the engine builds its pipeline. The socket outlives an engine:
 * a replacement engine on the same address and transport (new event loops, say) takes it over
 * ({@link #serve}), so the port never changes hands. Where the socket itself must change (another
 * address or transport), the transport's {@code SO_REUSEPORT} lets the new one bind beside it, so
 * that there is no moment without a listener; a port another process listens on is refused. When
 * the host itself restarts, the socket is parked open for the next instance ({@link #park},
 * {@link #resume}, see {@link ListenerParking}).
 */
final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    private static final boolean NIO_REUSE_PORT = nioReusePort();

    /** The engine a connection goes to: its event loops, and what builds the connection's pipeline there. */
    private record Target(EventLoopGroup loops, Consumer<SocketChannel> accepted) {
    }

    private final boolean epoll;
    private volatile Target target;
    private volatile Channel channel;
    private EventLoopGroup acceptor;
    private InetSocketAddress bound;
    /** The JDK's socket under a NIO listener's channel: what it is parked as. */
    private ServerSocketChannel nioSocket;

    /**
     * @param loops the engine's event loops, where its connections are registered
     * @param accepted builds the pipeline of each connection accepted, on its event loop
     */
    Listener(EventLoopGroup loops, boolean epoll, Consumer<SocketChannel> accepted) {
        this.epoll = epoll;
        this.target = new Target(loops, accepted);
    }

    /** Binds {@code host:port} (0: any free port) and starts accepting; returns the bound address. */
    InetSocketAddress bind(String host, int port) throws InterruptedException {
        return open(new InetSocketAddress(host, port));
    }

    /** Binds again, at the address it had, the listener that {@link #bind} opened and was closed since. */
    void bindAgain() throws InterruptedException {
        open(bound);
    }

    private InetSocketAddress open(InetSocketAddress address) throws InterruptedException {
        ServerChannel ch;
        if (epoll) {
            ch = new EpollServerSocketChannel();
        } else {
            try {
                nioSocket = ServerSocketChannel.open();
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            ch = new NioServerSocketChannel(nioSocket);
        }
        ch.config().setOption(ChannelOption.SO_BACKLOG, 1024);
        ch.config().setOption(ChannelOption.SO_REUSEADDR, true);
        if (sharesPort()) {
            // a replacement listener (new address or transport) binds the same port beside this
            // one, so that there is no moment without a listener
            if (epoll) {
                ch.config().setOption(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                ch.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        return accept(ch, address);
    }

    /**
     * Accepts again on a socket that a previous instance of the host parked open (see
     * {@link #park}): bound and listening already, with the connections that came meanwhile in
     * its backlog, which are accepted first. Returns its address.
     */
    InetSocketAddress resume(Object parked) throws InterruptedException {
        ServerChannel ch;
        if (epoll) {
            ch = new EpollServerSocketChannel((Integer) parked);
        } else {
            nioSocket = (ServerSocketChannel) parked;
            ch = new NioServerSocketChannel(nioSocket);
        }
        return accept(ch, null);
    }

    /** Registers {@code ch} on an acceptor loop of its own and binds it to {@code address} (null: bound already). */
    private InetSocketAddress accept(ServerChannel ch, InetSocketAddress address) throws InterruptedException {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spindle-accept", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ch.pipeline().addLast(new Acceptor());
        try {
            loop.register(ch).sync();
            if (address != null) {
                ch.bind(address).sync();
            }
        } catch (RuntimeException | InterruptedException e) {
            ch.close();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        acceptor = loop;
        channel = ch;
        bound = (InetSocketAddress) ch.localAddress();
        return bound;
    }

    /**
     * Connections accepted from now on go to {@code loops} and {@code accepted} (another engine's);
     * returns once no connection can go to the former engine any more: a connection accepted
     * before has been handed to it (its registration is queued on one of the former engine's loops).
     */
    void serve(EventLoopGroup loops, Consumer<SocketChannel> accepted) {
        Target next = new Target(loops, accepted);
        Channel ch = channel;
        if (ch == null || !ch.isRegistered()) {
            target = next;
            return;
        }
        ch.eventLoop().submit(() -> target = next).syncUninterruptibly();
    }

    /**
     * Whether this listener is the socket a new engine on {@code host:port} with this transport
     * would open ({@code port} 0: whichever port it has).
     */
    boolean listensAt(String host, int port, boolean epollTransport) {
        InetSocketAddress at = address();
        if (at == null || epollTransport != epoll || (port != 0 && port != at.getPort())) {
            return false;
        }
        try {
            return InetAddress.getByName(host).equals(at.getAddress());
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Closes the listening socket (connections carry on), running {@code onClosed} on the
     * listener's loop in the same task, just before the close: nothing is accepted between the
     * two, and a client that finds the socket closed and sends on a connection it has finds
     * {@code onClosed} done (run after the close, a request could arrive in between). Returns
     * once the socket is really closed, so that a client told to reconnect now cannot land in its
     * backlog, which the close resets (NIO closes a socket registered with a selector only at the
     * selector's next pass: the acceptor loop's end is what guarantees it). {@link #bindAgain}
     * reopens it.
     */
    void close(Runnable onClosed) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        channel = null;
        ch.eventLoop().submit(() -> {
            onClosed.run();
            ch.close();
        }).awaitUninterruptibly(5, TimeUnit.SECONDS);
        ch.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Stops accepting but leaves the socket open, parked at {@code parking} for the next instance of
     * the host ({@link #resume}): connections arriving meanwhile wait in its backlog. Runs
     * {@code onStopped} on the listener's loop as it stops accepting, as {@link #close} runs its
     * callback; returns once nothing is accepted here any more. If the socket cannot be taken off
     * its loop, it is closed instead.
     */
    void park(ListenerParking parking, boolean tls, Runnable onStopped) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        channel = null;
        ServerSocketChannel jdk = nioSocket;
        if (!ch.deregister().addListener(off -> onStopped.run()).awaitUninterruptibly(5, TimeUnit.SECONDS)
                || !ch.isOpen() || ch.isRegistered()) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            return;
        }
        // off its loop, the socket is closed by nothing but the parking (a loop closes only what is registered on it)
        acceptor.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        ListenerParking.Spot spot = new ListenerParking.Spot(tls, epoll, ListenerParking.Spot.address(bound.getAddress()),
                bound.getPort());
        if (epoll) {
            io.netty.channel.unix.FileDescriptor fd = ((EpollServerSocketChannel) ch).fd();
            parking.park(spot, fd.intValue(), () -> closeQuietly(fd::close));
        } else {
            parking.park(spot, jdk, () -> closeQuietly(jdk::close));
        }
    }

    private interface Closing {
        void close() throws IOException;
    }

    private static void closeQuietly(Closing socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("Closing a parked listening socket: {}", e.toString());
        }
    }

    /** The address the listener is bound to; null before {@link #bind} and after {@link #close}. */
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

    /** Whether NIO listeners share their port ({@code SO_REUSEPORT} offered by the JDK here). */
    static boolean nioSharesPort() {
        return NIO_REUSE_PORT;
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

    /**
     * On the listener's loop: each accepted connection to the engine of the moment, as Netty's
     * {@code ServerBootstrap} hands it to a fixed one.
     */
    @Sharable
    private final class Acceptor extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            SocketChannel child = (SocketChannel) msg;
            Target to = target;
            child.config().setOption(ChannelOption.TCP_NODELAY, true);
            child.pipeline().addLast(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    to.accepted().accept(ch);
                }
            });
            to.loops().register(child).addListener(registered -> {
                if (!registered.isSuccess()) {
                    LOG.warn("A connection from {} could not be registered: {}", child.remoteAddress(),
                            String.valueOf(registered.cause()));
                    child.unsafe().closeForcibly();
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // accept() failing (out of file descriptors, say) would fail again at once: pause
            // accepting for a second, as ServerBootstrap does, and let the backlog wait
            LOG.warn("Accepting connections on {} failed, pausing for 1 s: {}", bound, String.valueOf(cause));
            ctx.channel().config().setAutoRead(false);
            ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), 1, TimeUnit.SECONDS);
        }
    }
}
