package dev.spindle.api;

/**
 * How an exchange ended, reported exactly once per response by
 * {@link ServerResponse#onDone(java.util.function.Consumer)}.
 */
public enum Outcome {
    /** {@code end()} was called and the whole response was handed to the network. */
    COMPLETED,
    /** The client closed the connection (or half-closed it) before the response was finished. */
    CLIENT_ABORTED,
    /** A timeout of the host (request, response or write timeout) ended the exchange. */
    TIMED_OUT,
    /** The handler threw; the client got a 500 or a truncated response. */
    HANDLER_FAILED,
    /** The handler's service went away and its drain timeout ran out before it finished. */
    HANDLER_REMOVED,
    /** The host shut down before the response was finished. */
    SERVER_SHUTDOWN
}
