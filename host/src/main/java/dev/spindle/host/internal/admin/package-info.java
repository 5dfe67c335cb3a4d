/**
 * The admin listener (PID {@code dev.spindle.admin}): health and metrics for operators, load
 * balancers and Prometheus, the dashboard's event stream and the pages bundles mount, on a port
 * of its own (loopback by default) with a small Netty pipeline of its own, beside the engine and
 * never through the handler router, so that no handler bundle can shadow it. It reads the server
 * through {@link dev.spindle.host.internal.admin.ServerProbe} only; not exported.
 */
package dev.spindle.host.internal.admin;
