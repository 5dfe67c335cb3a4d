/**
 * The connection room: one HTTP/1.1 connection, from a decoded head to the exchanges' responses in
 * request order. Imports the codec, dispatch and exchange rooms.
 */
package dev.spindle.host.internal.http.connection;
