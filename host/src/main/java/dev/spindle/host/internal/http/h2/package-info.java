/**
 * The HTTP/2 room: one HTTP/2 connection (h2c on the cleartext port, or h2 after ALPN) and its
 * streams, each stream one exchange of the exchange room, dispatched by the dispatch room. Netty's
 * {@code Http2ConnectionHandler} does the framing, flow control and the protocol's protections, at
 * the frame level (no channel per stream); this room maps its frames to Node's semantics.
 */
package dev.spindle.host.internal.http.h2;
