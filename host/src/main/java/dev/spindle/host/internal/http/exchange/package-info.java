/**
 * The exchange room: Node's {@code IncomingMessage} and {@code ServerResponse} semantics (header
 * store, state machine, events, error codes), every answer the host writes itself, and the
 * interfaces a protocol implements beneath them. Imports no other room of the engine: HTTP/1.1
 * framing depends on it, never the other way, so HTTP/2 can reuse it.
 */
package dev.spindle.host.internal.http.exchange;
