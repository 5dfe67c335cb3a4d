package dev.spindle.host.internal.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.tls.TlsContexts;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;

/**
 * Data path: the entry. An engine's listening sockets, the cleartext port and the TLS port when
 * there is one ({@link Listener} each), and how they change hands: bound anew, taken over from the
 * engine an engine replaces ({@link #adopt}), closed and bound again, or parked open for the next
 * instance of the host and resumed by it ({@link ListenerParking}). What a connection becomes once
 * accepted is the engine's ({@code plain}, {@code tls}).
 */
public final class Listeners {

    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final EventLoopGroup loops;
    private final boolean epoll;
    private final Consumer<SocketChannel> plain;
    private final BiConsumer<SocketChannel, TlsContexts> tls;
    /** Null before a bind, and once a replacement engine took it over. */
    private volatile Listener cleartext;
    private volatile Listener secure;
    private volatile ListenerParking parking = ListenerParking.NONE;

    /**
     * @param loops the engine's event loops, where the connections accepted are registered
     * @param plain sets up a connection of the cleartext port, on its event loop
     * @param tls sets up a connection of the TLS port with the certificate given, on its event loop
     */
    Listeners(EventLoopGroup loops, boolean epoll, Consumer<SocketChannel> plain,
            BiConsumer<SocketChannel, TlsContexts> tls) {
        this.loops = loops;
        this.epoll = epoll;
        this.plain = plain;
        this.tls = tls;
    }

    /**
     * Where {@link #start} and {@link #startTls} first look for the sockets a previous instance of
     * the host left open, and where {@link #park} leaves these.
     */
    public void parking(ListenerParking place) {
        parking = place;
    }

    /**
     * Binds the cleartext port and starts accepting; a port another process listens on is refused.
     * A socket the previous host instance parked for this address is taken instead (see
     * {@link #parking}).
     */
    public InetSocketAddress start(String host, int port) throws InterruptedException {
        Listener parked = resume(false, host, port, plain);
        if (parked != null) {
            cleartext = parked;
            LOG.info("Spindle listening on {}:{} ({} transport; the socket the previous instance left open)", host,
                    parked.address().getPort(), epoll ? "epoll" : "nio");
            return parked.address();
        }
        if (port != 0 && sharesPort()) {
            Listener.requireFree(host, port);
        }
        return startBeside(host, port);
    }

    /**
     * Starts listening on a port this server already listens on, beside the listener it
     * replaces: {@link #start} without the check that nobody else listens there.
     */
    public InetSocketAddress startBeside(String host, int port) throws InterruptedException {
        Listener l = new Listener(loops, epoll, plain);
        InetSocketAddress bound;
        try {
            bound = l.bind(host, port);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        cleartext = l;
        LOG.info("Spindle listening on {}:{} ({} transport)", host, bound.getPort(), epoll ? "epoll" : "nio");
        return bound;
    }

    /**
     * As {@link #startBeside}, for a socket that replaces another of this server on the same port
     * (another address or transport): says in the log what becomes of connections that arrive
     * just as the old socket closes.
     */
    public InetSocketAddress replaceBeside(String host, int port) throws InterruptedException {
        InetSocketAddress bound = startBeside(host, port);
        if (sharesPort() && !kernelMigratesBacklogs()) {
            LOG.info("Port {} gets a new listening socket: a connection that reaches the old one in the instant it "
                    + "closes is reset (Linux migrates them to the new one with sysctl net.ipv4.tcp_migrate_req=1, "
                    + "on the same address)", port);
        }
        return bound;
    }

    /** Whether Linux hands a closing listener's backlog to another socket on its port (5.14 and later). */
    private static boolean kernelMigratesBacklogs() {
        try {
            return "1".equals(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_migrate_req"))
                    .trim());
        } catch (java.io.IOException | RuntimeException notLinux) {
            return false;
        }
    }

    /**
     * Listens for HTTPS on {@code port} beside the cleartext listener ({@code ownPort}: the port is
     * this server's already, as for a replacement listener). Each connection first completes its
     * TLS handshake with the certificate {@code contexts} holds at that moment.
     */
    public InetSocketAddress startTls(String host, int port, boolean ownPort, TlsContexts contexts)
            throws InterruptedException {
        Consumer<SocketChannel> accepted = ch -> tls.accept(ch, contexts);
        Listener l = ownPort ? null : resume(true, host, port, accepted);
        InetSocketAddress bound;
        if (l != null) {
            bound = l.address();
        } else {
            if (port != 0 && !ownPort && sharesPort()) {
                Listener.requireFree(host, port);
            }
            l = new Listener(loops, epoll, accepted);
            try {
                bound = l.bind(host, port);
            } catch (Exception e) {
                throw new IllegalStateException("Cannot listen for TLS on " + host + ":" + port + ": " + e.getMessage(), e);
            }
        }
        secure = l;
        LOG.info("Spindle listening for TLS on {}:{} ({}; ALPN {})", host, bound.getPort(), contexts.info().provider(),
                String.join(",", contexts.info().applicationProtocols()));
        return bound;
    }

    /** A listener accepting on the socket parked for {@code host:port} (see {@link #parking}), or null. */
    private Listener resume(boolean tlsPort, String host, int port, Consumer<SocketChannel> accepted)
            throws InterruptedException {
        String address;
        try {
            address = ListenerParking.Spot.address(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return null;
        }
        Object socket = parking.take(new ListenerParking.Spot(tlsPort, epoll, address, port));
        if (socket == null) {
            return null;
        }
        Listener l = new Listener(loops, epoll, accepted);
        l.resume(socket);
        return l;
    }

    /**
     * Whether {@code old}'s cleartext listener is the socket these would open at {@code host:port}
     * (same address and transport; port 0: whichever it has), so that {@link #adopt} can take it
     * over instead.
     */
    public boolean canAdopt(Listeners old, String host, int port) {
        Listener l = old.cleartext;
        return l != null && l.listensAt(host, port, epoll);
    }

    /** As {@link #canAdopt}, for the TLS listener. */
    public boolean canAdoptTls(Listeners old, String host, int port) {
        Listener l = old.secure;
        return l != null && l.listensAt(host, port, epoll);
    }

    /**
     * Takes over {@code old}'s cleartext listener instead of binding one (see {@link #canAdopt}):
     * the socket stays open, and every connection it accepts from now on is this engine's; those
     * accepted before stay the old engine's, which retires them. Returns the address.
     */
    public InetSocketAddress adopt(Listeners old) {
        Listener l = old.cleartext;
        l.serve(loops, plain);
        old.cleartext = null;
        cleartext = l;
        LOG.info("Spindle serving {} with new event loops ({} transport): the listening socket stays", l.address(),
                epoll ? "epoll" : "nio");
        return l.address();
    }

    /** As {@link #adopt}, for the TLS listener: its new handshakes use {@code contexts}. */
    public InetSocketAddress adoptTls(Listeners old, TlsContexts contexts) {
        Listener l = old.secure;
        l.serve(loops, ch -> tls.accept(ch, contexts));
        old.secure = null;
        secure = l;
        return l.address();
    }

    /**
     * Closes the listening sockets still here (not taken over): connections carry on;
     * {@link #listenAgain} reopens them. {@code onCleartextClosed} runs on the cleartext
     * listener's loop as it closes (see {@link Listener#close}).
     */
    public void close(Runnable onCleartextClosed) {
        Listener l = secure;
        if (l != null) {
            l.close(() -> { });
        }
        l = cleartext;
        if (l != null) {
            l.close(onCleartextClosed);
        }
    }

    /**
     * As {@link #close}, but the sockets stay open, parked for the next instance of the host (see
     * {@link #parking}): it accepts what comes meanwhile.
     */
    public void park(Runnable onCleartextStopped) {
        Listener l = secure;
        if (l != null) {
            l.park(parking, true, () -> { });
        }
        l = cleartext;
        if (l != null) {
            l.park(parking, false, onCleartextStopped);
        }
    }

    /** Binds the listeners {@link #close} closed, at the addresses they had. */
    public void listenAgain() throws InterruptedException {
        cleartext.bindAgain();
        Listener l = secure;
        if (l != null) {
            l.bindAgain();
        }
    }

    /** The address of the cleartext listener, or null when it is closed or was taken over. */
    public InetSocketAddress address() {
        Listener l = cleartext;
        return l == null ? null : l.address();
    }

    /** The address of the TLS listener, or null without one. */
    public InetSocketAddress tlsAddress() {
        Listener l = secure;
        return l == null ? null : l.address();
    }

    /**
     * Whether a replacement can bind the same port beside these listeners
     * ({@code SO_REUSEPORT}: epoll has it, NIO where the JDK offers it, as on Linux).
     */
    public boolean sharesPort() {
        return epoll || Listener.nioSharesPort();
    }
}
