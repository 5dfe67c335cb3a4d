/**
 * The codec room: bytes to messages and back for HTTP/1.1, on Netty's codecs. Imports the exchange
 * room only (the head builder reads a response's {@code HeadDraft}).
 */
package dev.spindle.host.internal.http.codec;
