/** Gogo commands in scope {@code spindle} and the loopback console. They use the HttpServer service only. */
package dev.spindle.host.internal.shell;
