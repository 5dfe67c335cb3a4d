package dev.spindle.bench;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.WebSocket;
import dev.spindle.api.WebSocketHandler;

/**
 * The WebSocket benchmark's {@code /ws/echo} (bench/ws.sh): every message back to its sender,
 * binary or text as it came, as the Vert.x and Node peers do.
 */
@Component(property = Handler.ROUTE + "=/ws/echo")
public final class EchoSocket implements WebSocketHandler {

    @Override
    public void open(IncomingMessage req, WebSocket socket) {
        socket.onMessage(m -> {
            if (m.isBinary()) {
                socket.send(m.bytes());
            } else {
                socket.send(m.text());
            }
        });
    }
}
