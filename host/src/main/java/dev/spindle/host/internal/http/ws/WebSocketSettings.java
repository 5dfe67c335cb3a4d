package dev.spindle.host.internal.http.ws;

/**
 * Data path: read by every WebSocket as it opens. The WebSocket limits and timers of the
 * configuration (PID {@code dev.spindle.host}, keys named in each parameter), validated there.
 * Immutable: a new configuration makes a new instance, which sockets opened from then on use.
 *
 * @param maxFrameBytes       largest frame payload a client may send, bytes ({@code webSocketMaxFrameBytes}; larger: close 1009)
 * @param maxMessageBytes     largest message assembled from its frames, bytes ({@code webSocketMaxMessageBytes}; larger: close 1009)
 * @param highWaterMarkBytes  bytes buffered for sending over which {@code send} returns false ({@code webSocketHighWaterMarkBytes})
 * @param pingIntervalMillis  idle time after which the host pings the client; a second such span without any frame
 *                            from it closes the socket ({@code webSocketPingIntervalMillis}; 0: never)
 * @param closeTimeoutMillis  time the peer has to answer a close frame before the connection is closed
 *                            ({@code webSocketCloseTimeoutMillis})
 * @param compression         whether {@code permessage-deflate} is offered to clients that ask ({@code webSocketCompression})
 */
public record WebSocketSettings(int maxFrameBytes, int maxMessageBytes, long highWaterMarkBytes,
        long pingIntervalMillis, long closeTimeoutMillis, boolean compression) {

    /** The defaults: 16 MiB frames and messages, 1 MiB high-water mark, a ping after 30 s idle, 5 s to close, no compression. */
    public static WebSocketSettings defaults() {
        return new WebSocketSettings(16 << 20, 16 << 20, 1 << 20, 30_000, 5_000, false);
    }
}
