/**
 * The HTTP/2 room: one HTTP/2 connection (h2c on the cleartext port, or h2 after ALPN) and its
 * streams, each stream one exchange of the exchange room, dispatched by the dispatch room. Netty's
 * {@code Http2FrameCodec} and {@code Http2MultiplexHandler} do the framing, flow control and the
 * protocol's protections; this room maps them to Node's semantics.
 */
package dev.spindle.host.internal.http.h2;
