package dev.spindle.host.internal.http;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.http.connection.HttpConnection;
import dev.spindle.host.internal.http.h2.H2Connection;
import dev.spindle.host.internal.http.tls.TlsGate;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.ws.WebSocketConnection;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * Beside the data path, in the {@link HttpEngine}: every connection its listeners accepted, and
 * what the host asks of all of them at once — retire after a listener change, shut down, end what
 * a removed handler serves, show themselves to the shell — each asked on the connection's own event
 * loop, of the protocol it speaks (HTTP/1.1, HTTP/2 or WebSocket; a TLS connection still in its
 * handshake owes nothing and is closed). A connection an upgrade took over has no next response:
 * retiring, shutting down and the end of its handler all end it (a WebSocket with 1001).
 */
final class OpenConnections {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEngine.class);

    private final ChannelGroup channels = new DefaultChannelGroup("spindle-connections", GlobalEventExecutor.INSTANCE);

    void add(Channel ch) {
        channels.add(ch);
    }

    int size() {
        return channels.size();
    }

    /** Whether every connection closed within {@code millis}. */
    boolean awaitClosed(long millis) {
        return channels.newCloseFuture().awaitUninterruptibly(millis, TimeUnit.MILLISECONDS);
    }

    /** Closes them all now. */
    void closeAll() {
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }

    /** A listener change: each closes after its next response. */
    void retireAll() {
        closeHandshaking();
        each(HttpConnection::closeAfterNextResponse, H2Connection::closeAfterNextResponse, ws -> ws.end(null));
    }

    /** The server stops: each answers what it owes, then closes (idle ones at once). */
    void shutdownAll() {
        closeHandshaking();
        each(HttpConnection::shutdown, H2Connection::shutdown, ws -> ws.end(null));
    }

    /** What {@code target} serves (null: everything) ends with {@code why}. Does not wait. */
    void endAll(RouteTarget target, Outcome why) {
        each(c -> c.end(target, why), c -> c.end(target, why), ws -> ws.end(target));
    }

    private void closeHandshaking() {
        for (Channel ch : channels) {
            if (TlsGate.handshaking(ch)) {
                ch.close();
            }
        }
    }

    /**
     * Runs {@code h1}, {@code http2} or {@code upgraded} (by the protocol it speaks: a connection
     * taken over by an upgrade, WebSocket or other) on each open connection's event loop. The
     * protocol is looked up there, not here: an upgrade the loop runs before the task (a WebSocket,
     * or h2c, taking an HTTP/1.1 connection over) changes it, and the handler it left would be
     * asked in vain (a socket opened then would miss its 1001).
     */
    private void each(Consumer<HttpConnection> h1, Consumer<H2Connection> http2, Consumer<Upgrade.Served> upgraded) {
        for (Channel ch : channels) {
            try {
                ch.eventLoop().execute(() -> {
                    Upgrade.Served socket = ch.pipeline().get(Upgrade.Served.class);
                    HttpConnection c = socket == null ? ch.pipeline().get(HttpConnection.class) : null;
                    H2Connection h2 = socket == null && c == null ? ch.pipeline().get(H2Connection.class) : null;
                    if (socket != null) {
                        upgraded.accept(socket);
                    } else if (c != null) {
                        h1.accept(c);
                    } else if (h2 != null) {
                        http2.accept(h2);
                    }
                });
            } catch (RejectedExecutionException e) {
                LOG.debug("Event loop gone: {} is closed already", ch);
            }
        }
    }

    /** The open WebSockets, oldest first. */
    List<WebSocketConnection.Snapshot> sockets() {
        List<WebSocketConnection.Snapshot> out = new ArrayList<>();
        for (Channel ch : channels) {
            WebSocketConnection ws = ch.pipeline().get(WebSocketConnection.class);
            if (ws != null && ch.isActive()) {
                out.add(ws.snapshot());
            }
        }
        out.sort(Comparator.comparingLong(WebSocketConnection.Snapshot::id));
        return out;
    }

    /** The open connections, oldest first. */
    List<HttpEngine.ConnectionSnapshot> snapshots() {
        long now = System.nanoTime();
        List<HttpEngine.ConnectionSnapshot> out = new ArrayList<>();
        for (Channel ch : channels) {
            HttpConnection c = ch.pipeline().get(HttpConnection.class);
            RequestDecoder in = ch.pipeline().get(RequestDecoder.class);
            ResponseEncoder encoder = ch.pipeline().get(ResponseEncoder.class);
            H2Connection h2 = ch.pipeline().get(H2Connection.class);
            if (c != null && in != null && encoder != null && ch.isActive()) {
                long active = Math.max(in.lastActiveNanos, encoder.lastActiveNanos);
                out.add(new HttpEngine.ConnectionSnapshot(c.id, (InetSocketAddress) ch.remoteAddress(),
                        now - in.createdNanos, c.requests(), now - active, c.state(),
                        ch.pipeline().get(SslHandler.class) != null ? "h1+tls" : "h1", 0));
            } else if (h2 != null && ch.isActive()) {
                out.add(new HttpEngine.ConnectionSnapshot(h2.id, (InetSocketAddress) ch.remoteAddress(),
                        now - h2.createdNanos, h2.requests(), now - h2.lastActiveNanos(),
                        h2.openStreams() > 0 ? "streams" : "idle", h2.protocol(), h2.openStreams()));
            }
        }
        out.sort(Comparator.comparingLong(HttpEngine.ConnectionSnapshot::id));
        return out;
    }
}
