package dev.spindle.swap;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.WebSocket;
import dev.spindle.api.WebSocketHandler;

/**
 * A WebSocket on {@code /swap-ws} that tells which version of the bundle serves it: it greets
 * each socket with {@code hello <Bundle-Version>} and answers each text message with the message,
 * a space and that version, so that a client sees which version kept its socket across updates.
 */
@Component(property = Handler.ROUTE + "=/swap-ws")
public final class SwapSocket implements WebSocketHandler {

    private String version;

    @Activate
    void activate(BundleContext context) {
        version = context.getBundle().getVersion().toString();
    }

    @Override
    public void open(IncomingMessage req, WebSocket socket) {
        socket.send("hello " + version);
        socket.onMessage(m -> socket.send(m.text() + " " + version));
    }
}
