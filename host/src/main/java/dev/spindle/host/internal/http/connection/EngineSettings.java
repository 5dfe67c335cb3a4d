package dev.spindle.host.internal.http.connection;

import java.util.Set;

/**
 * Data path: read by every connection. The engine's limits and timeouts, validated by the
 * configuration component. Immutable: a new configuration makes a new instance, which new
 * connections pick up.
 *
 * @param maxInitialLineLength    longest request line, bytes (longer: 414)
 * @param maxHeaderSize           largest header block, bytes (larger: 431)
 * @param maxChunkSize            largest body piece handed on at once, bytes (not a limit on the body)
 * @param maxBodyBytes            largest body {@code IncomingMessage.body()} collects, bytes
 * @param keepAliveTimeoutMillis  idle time before a kept-alive connection is closed; also sent as {@code Keep-Alive: timeout}
 * @param headersTimeoutMillis    time a new connection has to send a request head
 * @param maxPipelined            unanswered requests per connection before reading pauses
 * @param maxHeaders              header lines a request may have (more: 431)
 * @param maxRequestBodyBytes     largest request body accepted, bytes (larger: 413); 0 for no limit
 * @param responseTimeoutMillis   time a handler has to finish its response (then 503 or a close); 0 for none
 * @param maxConnections          open connections at most (beyond: 503 and close)
 * @param writeTimeoutMillis      time a client may leave the connection's write buffer full before it is closed; 0 for none
 * @param requestTimeoutMillis    time a client has to send a whole request, head and body (then 408); 0 for none
 * @param extraMethods            request methods served beside the registered ones (others: 501)
 */
public record EngineSettings(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, long maxBodyBytes,
        long keepAliveTimeoutMillis, long headersTimeoutMillis, int maxPipelined, int maxHeaders,
        long maxRequestBodyBytes, long responseTimeoutMillis, int maxConnections, long writeTimeoutMillis,
        long requestTimeoutMillis, Set<String> extraMethods) {

    public EngineSettings {
        extraMethods = Set.copyOf(extraMethods);
    }

    /** The defaults: Node's limits and timeouts where Node has them. */
    public static EngineSettings defaults() {
        return new EngineSettings(8192, 16384, 8192, 10L * 1024 * 1024, 5000, 60000, 16, 100, 0, 0, 10_000, 60_000, 300_000, Set.of());
    }
}

