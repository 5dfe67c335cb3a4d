/**
 * The Netty engine. Knows nothing of OSGi; not exported. Its rooms, each importing only the rooms
 * listed after it:
 * <ul>
 * <li>{@code h2}, {@code ws}, {@code raw}: the protocols beside HTTP/1.1 (HTTP/2, WebSocket, and the
 * raw byte stream an upgrade handler takes over), each on its own, none importing another;</li>
 * <li>{@code connection}: one HTTP/1.1 connection: the request gate, the pipelining queue, flush
 * bookkeeping, the connection's timers, the {@code Upgrade} hook the rooms above fill;</li>
 * <li>{@code dispatch}: who answers an exchange, and the engine's counters;</li>
 * <li>{@code codec}: bytes to messages and back: request decoder and head scan, response
 * encoder, the HTTP/1.1 head builder, header lines, date, numbers;</li>
 * <li>{@code exchange}: Node's semantics of a request and a response, free of any protocol:
 * what a protocol provides beneath them is {@code ResponseSink} and {@code RequestSource}.</li>
 * </ul>
 * {@code dispatch} and {@code exchange} use the router ({@code ..internal.router}) for handler
 * targets; {@link dev.spindle.host.internal.http.HttpEngine} above them all wires a pipeline.
 */
package dev.spindle.host.internal.http;
