package dev.spindle.host.internal.http.connection;

import dev.spindle.api.Outcome;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Data path: inside {@link HttpConnection}, between the decoder's body pieces and the request
 * they belong to. Holds the one body arriving on the connection to its limits: a malformed piece
 * (400), more than {@code maxRequestBodyBytes} in any framing (413), not complete within
 * {@code requestTimeoutMillis} (408); the connection answers or closes. Event loop only.
 */
final class BodyIntake {

    private final HttpConnection connection;
    /** The exchange whose body is arriving, null between bodies. */
    private Http1Stream receiving;
    private long bytes;

    /** Its other parts it takes from {@code connection} when it needs them: a field each would be on every connection. */
    BodyIntake(HttpConnection connection) {
        this.connection = connection;
    }

    /** A new request: its body (if any) arrives next. */
    void start(Http1Stream stream) {
        receiving = stream;
        bytes = 0;
    }

    /** Whether a body is arriving. */
    boolean arriving() {
        return receiving != null;
    }

    /** Whether the arriving body wants reading to stop: paused, or too much held for nobody. */
    boolean holdsReading() {
        return receiving != null && receiving.exchange().request().holdsReading();
    }

    /** A piece of the body from the decoder; takes ownership of it. */
    void take(HttpContent content) {
        Http1Stream target = receiving;
        if (content.decoderResult().isFailure()) {
            content.release();
            if (target != null) {
                refuse(target, 400, Outcome.CLIENT_ABORTED, "malformed body: " + content.decoderResult().cause());
            } else {
                connection.closeAfterFlush();
            }
            return;
        }
        if (target == null) {
            content.release(); // the rest of a body whose request was refused or given up
            return;
        }
        bytes += content.content().readableBytes();
        long limit = connection.settings().maxRequestBodyBytes();
        if (limit > 0 && bytes > limit) {
            content.release();
            refuse(target, 413, Outcome.CLIENT_ABORTED, "request body over " + limit + " bytes");
            return;
        }
        if (content instanceof LastHttpContent) {
            receiving = null;
            connection.timers().bodyDone();
            target.exchange().request().offer(content);
            connection.bodyDone();
            return;
        }
        if (target.exchange().response().headOpen()) {
            connection.setState("reading");
        }
        if (connection.settings().requestTimeoutMillis() > 0) {
            connection.timers().bodyArriving(connection.settings().requestTimeoutMillis());
        }
        target.exchange().request().offer(content);
    }

    /** The request timer ran out with the body still arriving (Node's {@code requestTimeout}). */
    void expired() {
        if (receiving != null) {
            refuse(receiving, 408, Outcome.TIMED_OUT,
                    "request not complete in " + connection.settings().requestTimeoutMillis() + " ms");
        }
    }

    /** The connection is gone before the body was complete: Node's {@code 'aborted'}. */
    void abort() {
        if (receiving != null) {
            receiving.exchange().request().abort();
            receiving = null;
        }
    }

    /**
     * The body of {@code stream} cannot be taken ({@code status} 400: malformed, 408: too slow,
     * 413: too large): answered with {@code status} if nothing of its response is fixed yet, else
     * the connection closes after what was written. The handler sees {@code onAborted}.
     */
    private void refuse(Http1Stream stream, int status, Outcome outcome, String why) {
        receiving = null;
        connection.timers().bodyDone();
        if (stream.exchange().response().headOpen()) {
            connection.queue().remove(stream);
            stream.destroy(outcome);
            connection.refuseBody(status, why);
        } else {
            stream.exchange().request().abort();
            connection.closeFor(outcome);
        }
    }
}
