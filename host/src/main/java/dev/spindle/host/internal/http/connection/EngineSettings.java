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
 * @param h2c                     whether the cleartext port also speaks HTTP/2 (prior knowledge and {@code Upgrade: h2c})
 * @param maxConcurrentStreams    HTTP/2 streams a client may have open at once on one connection (more: RST_STREAM REFUSED_STREAM)
 */
public record EngineSettings(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, long maxBodyBytes,
        long keepAliveTimeoutMillis, long headersTimeoutMillis, int maxPipelined, int maxHeaders,
        long maxRequestBodyBytes, long responseTimeoutMillis, int maxConnections, long writeTimeoutMillis,
        long requestTimeoutMillis, Set<String> extraMethods, boolean h2c, int maxConcurrentStreams) {

    /** HTTP/2 streams at once per connection by default. */
    public static final int MAX_CONCURRENT_STREAMS = 100;

    public EngineSettings {
        extraMethods = Set.copyOf(extraMethods);
    }

    /** The HTTP/1.1 limits, with h2c on and the default {@value #MAX_CONCURRENT_STREAMS} streams. */
    public EngineSettings(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, long maxBodyBytes,
            long keepAliveTimeoutMillis, long headersTimeoutMillis, int maxPipelined, int maxHeaders,
            long maxRequestBodyBytes, long responseTimeoutMillis, int maxConnections, long writeTimeoutMillis,
            long requestTimeoutMillis, Set<String> extraMethods) {
        this(maxInitialLineLength, maxHeaderSize, maxChunkSize, maxBodyBytes, keepAliveTimeoutMillis,
                headersTimeoutMillis, maxPipelined, maxHeaders, maxRequestBodyBytes, responseTimeoutMillis,
                maxConnections, writeTimeoutMillis, requestTimeoutMillis, extraMethods, true, MAX_CONCURRENT_STREAMS);
    }

    /** These settings with HTTP/2's keys changed. */
    public EngineSettings withHttp2(boolean h2c, int maxConcurrentStreams) {
        return new EngineSettings(maxInitialLineLength, maxHeaderSize, maxChunkSize, maxBodyBytes, keepAliveTimeoutMillis,
                headersTimeoutMillis, maxPipelined, maxHeaders, maxRequestBodyBytes, responseTimeoutMillis,
                maxConnections, writeTimeoutMillis, requestTimeoutMillis, extraMethods, h2c, maxConcurrentStreams);
    }

    /** The defaults: Node's limits and timeouts where Node has them. */
    public static EngineSettings defaults() {
        return new EngineSettings(8192, 16384, 8192, 10L * 1024 * 1024, 5000, 60000, 16, 100, 0, 0, 10_000, 60_000, 300_000, Set.of());
    }
}

