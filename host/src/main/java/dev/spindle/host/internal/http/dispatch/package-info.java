/**
 * The dispatch room: which handler answers an exchange, on which thread, and the engine's
 * counters. Imports the exchange room and the router.
 */
package dev.spindle.host.internal.http.dispatch;
