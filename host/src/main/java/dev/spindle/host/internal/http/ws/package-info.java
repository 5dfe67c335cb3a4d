/**
 * The WebSocket room: RFC 6455 sockets on an HTTP/1.1 connection that asked for
 * {@code Upgrade: websocket} on a route a {@code WebSocketHandler} serves. The framing, masking,
 * fragmentation, UTF-8 validation, closing handshake and {@code permessage-deflate} are Netty's
 * {@code websocketx}; this room chooses the handler, answers the handshake, and gives the handler
 * the {@code ws} package's view of the socket. Imports the connection, dispatch and exchange rooms
 * (and the router for handler targets); nothing beneath imports it.
 */
package dev.spindle.host.internal.http.ws;
