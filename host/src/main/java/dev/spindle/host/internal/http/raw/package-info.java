/**
 * The raw upgrade room, Node's {@code 'upgrade'} event: a connection whose request asks for a
 * protocol an {@code UpgradeHandler} takes leaves HTTP, and the handler gets its byte stream both
 * ways. Imports the connection, dispatch and exchange rooms (and the router for handler targets);
 * nothing beneath imports it.
 */
package dev.spindle.host.internal.http.raw;
