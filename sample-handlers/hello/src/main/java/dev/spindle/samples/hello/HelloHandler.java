package dev.spindle.samples.hello;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * The smallest complete handler: a DS component registering a {@link Handler} service on an exact
 * route. Teaches the service properties and the one-call response: {@code end(data)} alone decides
 * the body, so the host sends a {@code Content-Length} and keeps the connection alive.
 *
 * <pre>
 * $ curl -i localhost:8080/hello
 * HTTP/1.1 200 OK
 * Content-Type: text/plain
 * ...
 * hello world
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/hello",
    Handler.METHODS + "=GET,HEAD",
})
public final class HelloHandler implements Handler {

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        res.setHeader("Content-Type", "text/plain");
        res.end("hello world");
    }
}
