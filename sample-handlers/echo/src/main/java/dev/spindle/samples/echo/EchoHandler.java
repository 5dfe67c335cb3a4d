package dev.spindle.samples.echo;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Streams the request body back as it arrives. Teaches streaming both ways with backpressure:
 * when {@code write} returns {@code false} the client is reading slower than it sends, so the
 * request is paused (which stops reading from the socket) until {@code onDrain}. Memory stays flat
 * whatever the size of the body.
 *
 * <pre>
 * $ curl -s --data-binary 'hello, echo' localhost:8080/echo
 * hello, echo
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/echo",
    Handler.METHODS + "=POST,PUT",
})
public final class EchoHandler implements Handler {

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        String type = req.header("content-type");
        res.setHeader("Content-Type", type != null ? type : "application/octet-stream");
        res.onDrain(req::resume);
        req.onData(chunk -> {
            if (!res.write(chunk)) {
                req.pause();
            }
        });
        req.onEnd(res::end);
    }
}
