package ${package};

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * {@code GET /greet/Zo%C3%AB} answers {@code hello, Zoë}; {@code GET /greet} answers
 * {@code hello, world}. A Declarative Services component: the container registers it as a
 * {@link Handler} service with these properties when the bundle starts.
 */
@Component(property = {
    Handler.ROUTE + "=/greet/*",
    Handler.METHODS + "=GET,HEAD",
})
public final class GreetHandler implements Handler {

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        String name = req.remainingPath();
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end("hello, " + (name.isEmpty() ? "world" : name));
    }
}
