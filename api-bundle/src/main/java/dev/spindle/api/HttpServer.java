package dev.spindle.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The running server seen from outside, Node's {@code http.Server}: the host registers one as an
 * OSGi service while it is listening. Shell commands, monitoring and tests read the engine through
 * this service, never through host internals.
 */
@ProviderType
public interface HttpServer {

    /** The address the server is bound to, with the actual port (useful when configured as 0). */
    InetSocketAddress address();

    /** The transport in use: {@code epoll} or {@code nio}. */
    String transport();

    /** Connections open now. */
    int openConnections();

    /** Requests received since the server started, including rejected ones. */
    long totalRequests();

    /** Every {@link Handler} and {@link WebSocketHandler} service the host knows of, in routing order, valid or not. */
    List<HandlerRegistration> handlers();

    /** Traffic counters since the server started. */
    Stats stats();

    /** The connections open now, oldest first. */
    List<ConnectionInfo> connections();

    /**
     * The WebSockets open now, oldest first (each is also one of {@link #connections()} until it
     * turned into a WebSocket).
     *
     * @since 1.3
     */
    default List<SocketInfo> sockets() {
        return List.of();
    }

    /** The effective configuration, key by key, in a stable order. */
    List<Setting> configuration();

    /**
     * Which handler {@code method path} would reach now, and why; {@code path} is a request-target
     * (a query is ignored).
     */
    RouteMatch match(String method, String path);

    /**
     * The HTTPS listener and the certificate it serves to new handshakes, or {@code null} when the
     * server does not listen for TLS.
     */
    TlsInfo tls();

    /** The HTTPS listener: where, with which provider, and the certificate in use. */
    @ProviderType
    interface TlsInfo {

        /** The address of the TLS listener, with its actual port. */
        InetSocketAddress address();

        /** The TLS implementation: {@code openssl} (with its version, e.g. BoringSSL) or {@code jdk}. */
        String provider();

        /** The protocols offered by ALPN, in preference order, e.g. {@code [h2, http/1.1]}. */
        List<String> applicationProtocols();

        /** The TLS versions enabled, e.g. {@code [TLSv1.3, TLSv1.2]}. */
        List<String> protocols();

        /** The certificate's subject, as RFC 2253 writes it. */
        String subject();

        /** The certificate's subject alternative names, e.g. {@code DNS:localhost}, {@code IP:127.0.0.1}. */
        List<String> subjectAlternativeNames();

        /** The certificate's serial number, in hexadecimal. */
        String serialNumber();

        /** When the certificate expires (its notAfter). */
        Instant notAfter();

        /** When this certificate was loaded: at start or by the last reload of its files. */
        Instant loadedAt();
    }

    /** Traffic counters of the whole server. */
    @ProviderType
    interface Stats {

        /** Requests received, including refused ones. */
        long totalRequests();

        /** Requests per second over the last {@code seconds} (1 to 60). */
        double requestsPerSecond(int seconds);

        /** Bytes read from and written to connections. */
        long bytesIn();

        long bytesOut();

        /** Responses sent with a status of class {@code statusClass} (1 for 1xx ... 5 for 5xx). */
        long responses(int statusClass);

        /** Connections accepted since start. */
        long totalConnections();

        /** Time since the server started listening. */
        Duration uptime();
    }

    /** One open connection. */
    @ProviderType
    interface ConnectionInfo {

        /** A number unique within this server's life. */
        long id();

        InetSocketAddress remoteAddress();

        /** Since the connection was accepted. */
        Duration age();

        /** Requests received on it. */
        long requests();

        /** Since the last byte was read or written. */
        Duration idle();

        /**
         * {@code idle}, {@code reading} (a request body), {@code in handler} or {@code writing}; for
         * HTTP/2 {@code idle} or {@code streams} (some open).
         */
        String state();

        /**
         * The protocol spoken: {@code h1} (cleartext HTTP/1.x), {@code h1+tls} (HTTP/1.x over TLS),
         * {@code h2c} (HTTP/2 on the cleartext port) or {@code h2} (HTTP/2 over TLS, chosen by ALPN).
         *
         * @since 1.1
         */
        default String protocol() {
            return "h1";
        }

        /**
         * HTTP/2 streams open on the connection now; 0 for HTTP/1.x.
         *
         * @since 1.1
         */
        default int openStreams() {
            return 0;
        }
    }

    /**
     * One open WebSocket.
     *
     * @since 1.3
     */
    @ProviderType
    interface SocketInfo {

        /** A number unique within this server's life. */
        long id();

        InetSocketAddress remoteAddress();

        /** The path of its upgrade request. */
        String path();

        /** The {@code service.id} of the {@link WebSocketHandler} serving it. */
        long serviceId();

        /** Since the socket opened. */
        Duration age();

        /** Messages received. */
        long messagesIn();

        /** Payload bytes received. */
        long bytesIn();

        /** Messages sent (written to the network). */
        long messagesOut();

        /** Payload bytes sent. */
        long bytesOut();

        /** Bytes sent by the handler and not yet written ({@link WebSocket#bufferedAmount()}). */
        long bufferedAmount();
    }

    /** One configuration key. */
    @ProviderType
    interface Setting {

        String key();

        String value();

        /**
         * {@code default} or {@code ConfigAdmin}; followed by {@code (refused: VALUE)} when the
         * last configuration given asked for another value and was refused, so that the value
         * shown is still the one in effect.
         */
        String source();
    }

    /** The answer of {@link #match}. */
    @ProviderType
    interface RouteMatch {

        /** The handler that would serve, or {@code null}. */
        HandlerRegistration handler();

        /** The status the host would answer itself when there is no handler (404, 405, 503), else 0. */
        int status();

        /** Why, in a sentence. */
        String reason();
    }

    /** What the host made of one {@link Handler} or {@link WebSocketHandler} service. */
    @ProviderType
    interface HandlerRegistration {

        /** The handler service's {@code service.id}. */
        long serviceId();

        /** The symbolic name of the bundle that registered it. */
        String bundleSymbolicName();

        /** The id of the bundle that registered it. */
        long bundleId();

        /** Its {@link Handler#ROUTE}, as given (may be {@code null} if it was missing). */
        String route();

        /** The methods it accepts; empty for all. */
        List<String> methods();

        /** Its {@code service.ranking}. */
        int ranking();

        /** Whether it runs on the worker pool. */
        boolean blocking();

        /** {@code ACTIVE}, {@code SHADOWED} (another handler wins its route) or {@code FAILED}. */
        String state();

        /** Why it failed, or which service shadows it; {@code null} when active. */
        String reason();

        /** Requests being served by it now. */
        long inFlight();

        /** Requests it has served. */
        long totalRequests();

        /** Responses it sent by status class: 2, 4 or 5 (2xx, 4xx, 5xx and failures). */
        long responses(int statusClass);

        /**
         * Latency of its recent requests (about the last minute), from the request head to the
         * last byte handed to the network, at {@code percentile} (0-100); {@code NaN} when idle.
         */
        double latencyMillis(double percentile);

        /**
         * The exceptions it threw (from {@code handle} or from its callbacks), counted by exception
         * class name since it was registered; empty when it never threw. The log has the stack
         * trace of the first of each class only, then a count per interval.
         *
         * @since 1.1
         */
        default Map<String, Long> exceptions() {
            return Map.of();
        }

        /**
         * Whether it is a {@link WebSocketHandler}: then {@link #inFlight()} counts its open
         * sockets and {@link #totalRequests()} the sockets it accepted.
         *
         * @since 1.3
         */
        default boolean webSocket() {
            return false;
        }
    }
}
