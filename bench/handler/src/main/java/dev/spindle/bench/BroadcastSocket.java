package dev.spindle.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.WebSocket;
import dev.spindle.api.WebSocketHandler;

/**
 * The WebSocket benchmark's {@code /ws/broadcast} (bench/ws.sh): every binary message a socket
 * sends goes to every socket open on the route, the sender's too, as the Vert.x and Node peers do.
 * The same bytes go to every socket ({@code send} takes the array without copying it).
 */
@Component(property = Handler.ROUTE + "=/ws/broadcast")
public final class BroadcastSocket implements WebSocketHandler {

    private final Set<WebSocket> room = ConcurrentHashMap.newKeySet();

    @Override
    public void open(IncomingMessage req, WebSocket socket) {
        room.add(socket);
        socket.onClose((code, reason) -> room.remove(socket));
        socket.onMessage(m -> {
            byte[] data = m.bytes();
            for (WebSocket s : room) {
                s.send(data);
            }
        });
    }
}
