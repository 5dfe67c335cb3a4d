/**
 * The router: handler registrations from the OSGi whiteboard, the immutable routing table, and
 * the targets the engine calls with their per-handler counters. Imports nothing of the engine.
 */
package dev.spindle.host.internal.router;
