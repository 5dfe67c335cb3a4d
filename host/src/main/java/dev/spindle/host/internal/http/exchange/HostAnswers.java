package dev.spindle.host.internal.http.exchange;

/**
 * Data path: every answer the host writes itself, in one place. Answers to an exchange go through
 * its {@link Response} (so they are framed, counted and finished like a handler's); refusals of
 * what never became an exchange (a head that cannot be parsed or is refused by the request rules:
 * 400, 408, 413, 414, 431, 501; a connection over the limit: 503) are framed bare by the protocol,
 * as Node answers parse errors: the status line, {@code Connection: close} and no body (for
 * HTTP/1.1 {@code Http1Head.refusal}).
 */
public final class HostAnswers {

    private HostAnswers() {
    }

    /** No route matches the path. */
    public static void notFound(Response res) {
        res.statusCode(404);
        res.setHeader("Content-Type", "text/plain");
        res.end("Not Found");
    }

    /** Routes match the path, none for this method; {@code allow} lists theirs. */
    public static void methodNotAllowed(Response res, String allow) {
        res.statusCode(405);
        res.setHeader("Allow", allow);
        res.setHeader("Content-Type", "text/plain");
        res.end("Method Not Allowed");
    }

    /**
     * A method outside the served set ({@code Methods}) on an HTTP/2 stream: 501, as HTTP/1.1's
     * request gate answers it before an exchange begins; the connection serves on.
     */
    public static void notImplemented(Response res) {
        res.statusCode(501);
        res.setHeader("Content-Type", "text/plain");
        res.end("Not Implemented");
    }

    /** Node's answer to an {@code Expect} other than {@code 100-continue}: 417, no body. */
    public static void expectationFailed(Response res) {
        res.writeHead(417);
        res.end();
    }

    /**
     * No handler can take the request now (a route being replaced past its grace, a full worker
     * pool): 503 with {@code Retry-After}, the connection stays usable.
     */
    public static void unavailable(Response res) {
        res.statusCode(503);
        res.setHeader("Retry-After", "1");
        res.setHeader("Content-Type", "text/plain");
        res.end("Service Unavailable");
    }

    /**
     * The host gives up a handler that has not answered (the response timeout, the drain of a
     * removed handler or the shutdown deadline ran out): 503, and the connection closes.
     */
    /** A request body the host will not take: {@code 408} (too slow) or {@code 413} (too large). */
    public static void bodyRefused(Response res, int status) {
        res.replaceWith(status, StatusCodes.reason(status), true);
    }

    public static void givenUp(Response res) {
        res.replaceWith(503, "Service Unavailable", true);
    }

    /** The handler failed before fixing the head: whatever it set gives way to a generic 500. */
    public static void internalError(Response res) {
        res.replaceWith(500, "Internal Server Error", false);
    }
}
