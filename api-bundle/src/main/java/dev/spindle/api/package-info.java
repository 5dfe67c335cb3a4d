/**
 * Spindle's handler API: a Node.js-style view of one HTTP/1.1 exchange.
 *
 * <p>A handler bundle registers a {@link dev.spindle.api.Handler} service with a
 * {@link dev.spindle.api.Handler#ROUTE spindle.route} property; the host calls it with an
 * {@link dev.spindle.api.IncomingMessage} and a {@link dev.spindle.api.ServerResponse} whose
 * behaviour follows Node's {@code http.ServerResponse}. Misuse throws an
 * {@link dev.spindle.api.HttpException} carrying Node's error code. A
 * {@link dev.spindle.api.WebSocketHandler} on a route serves its WebSocket upgrades with a
 * {@link dev.spindle.api.WebSocket} in the vocabulary of Node's {@code ws} package.
 */
@Export
@Version("1.3.0")
package dev.spindle.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
