package dev.spindle.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Serves the WebSocket connections of one route (RFC 6455): what Node's {@code ws} package does
 * with a {@code WebSocketServer}'s {@code 'connection'} event. Handler bundles register
 * implementations as OSGi services, on a route given by {@link Handler#ROUTE spindle.route} with
 * the same matching and {@code service.ranking} rules as {@link Handler}; the host's whiteboard
 * picks them up and routes the route's {@code GET} requests carrying {@code Upgrade: websocket}
 * to them. Other requests to the route still go to its {@link Handler}s, so one path may serve a
 * page and its socket. A request with {@code Upgrade: websocket} on a path no WebSocket handler
 * serves is an ordinary request.
 *
 * <p>For each upgrade request the host checks the handshake (version 13, a valid key), then calls
 * {@link #verify}, where the handler may refuse the upgrade with an ordinary status (the
 * {@code ws} package's {@code verifyClient}); if it accepts, the host answers
 * {@code 101 Switching Protocols} and calls {@link #open} with the open socket. Both run on the
 * connection's event loop and must not block.
 *
 * <p>An update of the handler's bundle never cuts an open socket: new upgrades go to the new
 * service at once, sockets opened on the old one stay with it until they close, at most the
 * host's {@code drainTimeoutMillis}, and then get close code {@link WebSocket#GOING_AWAY 1001}.
 * The host's shutdown closes them with 1001 too.
 *
 * @since 1.3
 */
@ConsumerType
public interface WebSocketHandler {

    /**
     * Service property, optional, {@code String}, {@code String[]} or a comma-separated
     * {@code String}: the subprotocols ({@code Sec-WebSocket-Protocol}) this handler speaks, in
     * the handler's order of preference. The host picks the first of them the client offers
     * ({@link WebSocket#protocol()} tells which). Default: none, the socket runs without a
     * subprotocol whatever the client offers. A client that offers subprotocols of which this
     * handler speaks none is still accepted, without one (as {@code ws} does); {@link #verify}
     * may refuse it.
     */
    String SUBPROTOCOLS = "spindle.ws.subprotocols";

    /**
     * Decides whether to accept an upgrade request, before anything is answered (the {@code ws}
     * package's {@code verifyClient}): its {@code Origin}, cookies, credentials, path, query and
     * offered subprotocols are in {@code req}. The default accepts every request.
     *
     * @param req the upgrade request; it has no body
     * @return {@code 101} to accept; any status from 400 to 599 to refuse, which the host answers
     *         with that status and its reason phrase, then closes the connection
     * @throws Exception anything: the request is refused with {@code 500}, the exception logged
     */
    default int verify(IncomingMessage req) throws Exception {
        return 101;
    }

    /**
     * A socket was accepted: the {@code 101} is on its way and frames may follow at once.
     * Listeners registered here, before this returns, see every message; messages that arrive
     * before a listener for them is registered are dropped, so a handler that registers later (on
     * another thread) calls {@link WebSocket#pause()} here and {@link WebSocket#resume()} after.
     *
     * @param req the upgrade request (headers, path, {@link IncomingMessage#remainingPath()})
     * @param socket the open socket
     * @throws Exception anything: the socket is closed with {@link WebSocket#INTERNAL_ERROR 1011},
     *         the exception logged
     */
    void open(IncomingMessage req, WebSocket socket) throws Exception;
}
