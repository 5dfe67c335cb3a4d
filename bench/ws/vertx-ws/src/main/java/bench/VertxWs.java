package bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;

/**
 * The Vert.x WebSocket peer of bench/ws.sh (a load generator's server, outside Spindle's data
 * path): Vert.x core 5.2.0 on Netty 4.2.18, native epoll, one HTTP server on one event loop (as
 * Spindle's one event loop per core on the one core the benchmark gives it), no compression.
 *
 * /ws/echo      every message back to its sender, binary or text as it came
 * /ws/broadcast every message to every socket open on /ws/broadcast, the sender's too
 *
 * Usage: java -jar vertx-ws.jar PORT   (127.0.0.1 only)
 */
public final class VertxWs {

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: java -jar vertx-ws.jar PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        String transport = vertx.isNativeTransportEnabled() ? "native(epoll)" : "nio";
        Set<ServerWebSocket> room = ConcurrentHashMap.newKeySet();
        HttpServerOptions options = new HttpServerOptions()
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false);
        vertx.createHttpServer(options)
                .webSocketHandler(ws -> {
                    switch (ws.path()) {
                        case "/ws/echo" -> {
                            ws.binaryMessageHandler(ws::writeBinaryMessage);
                            ws.textMessageHandler(ws::writeTextMessage);
                        }
                        case "/ws/broadcast" -> {
                            room.add(ws);
                            ws.closeHandler(v -> room.remove(ws));
                            ws.binaryMessageHandler(data -> broadcast(room, data));
                        }
                        default -> ws.close((short) 1008, "no such route");
                    }
                })
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.println("vertx-ws listening on 127.0.0.1:" + s.actualPort() + " " + transport))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static void broadcast(Set<ServerWebSocket> room, Buffer data) {
        for (ServerWebSocket s : room) {
            s.writeBinaryMessage(data);
        }
    }
}
