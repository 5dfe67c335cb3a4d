package dev.spindle.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Serves the requests of one route. Handler bundles register implementations as OSGi services;
 * the host's whiteboard picks them up, routes requests to them and stops routing to them as soon
 * as the service goes away, letting the requests already running finish first.
 *
 * <p>{@link #handle} is called once per request. It may answer at once or later, from any thread:
 * the exchange stays open until {@link ServerResponse#end()} is called. Unless the service sets
 * {@link #BLOCKING}, {@code handle} runs on the connection's event loop and must not block.
 *
 * <p>If {@code handle} throws before anything was written, the client gets a generic
 * {@code 500 Internal Server Error} (the exception goes to the log, never to the client) and the
 * connection stays usable. If it throws after the head was sent, what was written is flushed and
 * the connection is closed without a clean end of message, so the client sees a truncated
 * response rather than a complete wrong one.
 */
@ConsumerType
@FunctionalInterface
public interface Handler {

    /**
     * Service property, <b>required</b>, {@code String}: the route this handler serves.
     * {@code /hello} matches exactly that path; {@code /api/*} matches {@code /api} and every path
     * below it; {@code /*} matches every path. The path is the request-target up to {@code ?},
     * as sent (not percent-decoded). An exact route beats a prefix, a longer prefix beats a
     * shorter one; among handlers of the same route the highest {@code service.ranking} wins,
     * then the lowest {@code service.id}.
     */
    String ROUTE = "spindle.route";

    /**
     * Service property, optional, {@code String}, {@code String[]} or a comma-separated
     * {@code String}: the request methods this handler accepts (for example {@code GET, HEAD}).
     * Default: every method. A request whose path matches but whose method no handler of that
     * route accepts is answered {@code 405 Method Not Allowed} with an {@code Allow} header.
     */
    String METHODS = "spindle.methods";

    /**
     * Service property, optional, {@code Boolean} or {@code "true"}/{@code "false"}: run
     * {@link #handle} on the host's bounded worker pool instead of the event loop, for handlers
     * that block (files, JDBC, remote calls). Default {@code false}. Event callbacks
     * ({@code onData}, {@code onDrain}, {@code onDone}, ...) still run on the event loop.
     */
    String BLOCKING = "spindle.blocking";

    /**
     * Service property, optional, {@code Boolean}: when a request carries
     * {@code Expect: 100-continue}, call {@link #handle} as soon as its headers arrive, before the
     * client sends the body, so that the handler decides between
     * {@link ServerResponse#writeContinue()} and a final status (Node's {@code checkContinue}
     * event). Default {@code false}: the host sends {@code 100 Continue} by itself and then calls
     * the handler.
     */
    String CHECK_CONTINUE = "spindle.checkContinue";

    /**
     * Handles one request.
     *
     * @param req the request; its body streams through {@link IncomingMessage#onData}
     * @param res the response; must be ended, now or later, with {@link ServerResponse#end()}
     * @throws Exception anything: answered as described in the class documentation
     */
    void handle(IncomingMessage req, ServerResponse res) throws Exception;
}
