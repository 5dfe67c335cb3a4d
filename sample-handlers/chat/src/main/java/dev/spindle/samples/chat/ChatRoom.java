package dev.spindle.samples.chat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.WebSocket;
import dev.spindle.api.WebSocketHandler;

/**
 * A chat room on {@code /chat}: every text message a socket sends goes to every socket of the
 * room, the sender's too, as {@code name: text}; joins and leaves are announced. Each socket lives
 * on its own connection's event loop and {@code send} may be called from any thread, so the
 * broadcast is a loop over a concurrent set. The page {@code /files/chat.html} (served by the
 * files sample) is its client; any WebSocket client works:
 *
 * <pre>
 * $ python3 -m websockets ws://localhost:8080/chat?name=ada
 * Connected to ws://localhost:8080/chat?name=ada.
 * &lt; ada joined (1 here)
 * &gt; hello
 * &lt; ada: hello
 * </pre>
 *
 * An update of this bundle keeps the sockets open on the old version until they close, at most
 * the host's drain timeout, then closes them with 1001: the page connects again, to the new one.
 */
@Component(property = Handler.ROUTE + "=/chat")
public final class ChatRoom implements WebSocketHandler {

    private final Set<WebSocket> sockets = ConcurrentHashMap.newKeySet();

    @Override
    public int verify(IncomingMessage req) {
        return name(req).length() <= 32 ? 101 : 400;
    }

    @Override
    public void open(IncomingMessage req, WebSocket socket) {
        String name = name(req);
        sockets.add(socket);
        broadcast(name + " joined (" + sockets.size() + " here)");
        socket.onMessage(m -> {
            if (!m.isBinary()) {
                broadcast(name + ": " + m.text());
            }
        });
        socket.onClose((code, reason) -> {
            if (sockets.remove(socket)) {
                broadcast(name + " left");
            }
        });
    }

    private void broadcast(String line) {
        for (WebSocket s : sockets) {
            s.send(line);
        }
    }

    /** The {@code name} of the query, or {@code anonymous}. */
    private static String name(IncomingMessage req) {
        String url = req.url();
        int at = url.indexOf("name=");
        if (at < 0) {
            return "anonymous";
        }
        int end = url.indexOf('&', at);
        String name = IncomingMessage.percentDecode(url.substring(at + 5, end < 0 ? url.length() : end)).strip();
        return name.isEmpty() ? "anonymous" : name;
    }

    @Deactivate
    void deactivate() {
        sockets.clear(); // the host closes them (1001) once the drain runs out
    }
}
