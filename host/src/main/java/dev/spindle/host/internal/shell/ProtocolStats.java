package dev.spindle.host.internal.shell;

import dev.spindle.host.internal.http.dispatch.Protocol;

/**
 * Beside the data path, read by {@code spindle:stats}: what the host's {@code HttpServer.Stats}
 * tells the shell beyond the API, the traffic by protocol. Implemented by the host's stats view;
 * a {@code Stats} without it (another provider of {@code HttpServer}) shows no such table.
 */
public interface ProtocolStats {

    /** Connections opened since start that speak {@code protocol}; a cleartext one that turned to HTTP/2 counts as h2c only. */
    long connections(Protocol protocol);

    /** Requests received over {@code protocol} since start, refused ones included. */
    long requests(Protocol protocol);
}
