package dev.spindle.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes over the connections whose request asks to switch to another protocol: Node's
 * {@code http.Server} {@code 'upgrade'} event, for protocols other than WebSocket (which
 * {@link WebSocketHandler} serves) and HTTP/2 ({@code h2c}, which the host speaks itself).
 * Handler bundles register implementations as OSGi services on a route
 * ({@link Handler#ROUTE spindle.route}, with {@link Handler}'s matching and
 * {@code service.ranking} rules) with the {@link #PROTOCOLS} they take.
 *
 * <p>An HTTP/1.1 request without a body, whose {@code Upgrade} header names one of those
 * protocols, on a path such a handler serves, with nothing else owed on its connection, leaves
 * HTTP: the host hands the request and the connection's raw byte stream to {@link #upgrade}, and
 * writes nothing itself. The handler answers as Node's do, by writing the response head
 * ({@code HTTP/1.1 101 Switching Protocols} with the {@code Upgrade} and {@code Connection}
 * headers, or a refusal such as {@code HTTP/1.1 400 Bad Request}) to the socket, then speaks the
 * new protocol. Any other request is an ordinary one.
 *
 * <p>The socket counts as a request in flight of its handler until it closes: an update of the
 * handler's bundle lets it run, at most the host's {@code drainTimeoutMillis}, then closes it;
 * so does the host's shutdown.
 *
 * @since 1.3
 */
@ConsumerType
@FunctionalInterface
public interface UpgradeHandler {

    /**
     * Service property, <b>required</b>, {@code String}, {@code String[]} or a comma-separated
     * {@code String}: the {@code Upgrade} tokens this handler takes, matched without regard to
     * case (for example {@code tcp-tunnel} or {@code IRC/6.9}; a version after {@code /} is part of
     * the token). {@code websocket} and {@code h2c} are the host's.
     */
    String PROTOCOLS = "spindle.upgrade.protocols";

    /**
     * The connection is the handler's: nothing has been answered yet.
     *
     * @param req the upgrade request (headers, path, {@link IncomingMessage#remainingPath()}); no body
     * @param socket the connection's byte stream, both ways; bytes the client sent after the
     *        request come first to {@link UpgradedSocket#onData}
     * @throws Exception anything: the connection is closed, the exception logged
     */
    void upgrade(IncomingMessage req, UpgradedSocket socket) throws Exception;
}
