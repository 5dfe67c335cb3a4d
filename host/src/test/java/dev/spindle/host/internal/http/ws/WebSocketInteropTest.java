package dev.spindle.host.internal.http.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Interoperability with a real client: Python's {@code websockets} library (Debian's
 * {@code python3-websockets}, for {@code /usr/bin/python3}) sends text and binary messages from
 * 1 byte to 16 MiB to an echo handler and checks each that comes back, with
 * {@code permessage-deflate} negotiated and without.
 */
class WebSocketInteropTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(1);
    private HttpEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "deflate"})
    void pythonWebsocketsEchoesEverySizeFromOneByteTo16MiB(String mode) throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        RouteTarget echo = new RouteTarget((req, socket) -> {
            events.add("extensions " + socket.extensions());
            socket.onMessage(m -> {
                if (m.isBinary()) {
                    socket.send(m.bytes());
                } else {
                    socket.send(m.text());
                }
            });
            socket.onClose((code, reason) -> events.add("close " + code + " " + reason));
        }, List.of(), 1, null);
        HandlerResolver resolver = new HandlerResolver() {
            @Override
            public Resolution resolve(String method, String path) {
                return Resolution.notFound();
            }

            @Override
            public Resolution resolveWebSocket(String path) {
                return path.equals("/echo") ? Resolution.found(echo) : Resolution.notFound();
            }
        };
        engine = new HttpEngine(EngineSettings.defaults(), resolver, workers, "nio", 1);
        WebSocketSettings d = WebSocketSettings.defaults();
        engine.webSocketSettings(new WebSocketSettings(d.maxFrameBytes(), d.maxMessageBytes(), d.highWaterMarkBytes(),
                d.pingIntervalMillis(), d.closeTimeoutMillis(), mode.equals("deflate")));
        InetSocketAddress at = engine.start("127.0.0.1", 0);

        Path script = Path.of("src/test/python/ws_echo_client.py").toAbsolutePath();
        Process client = new ProcessBuilder("/usr/bin/python3", script.toString(), String.valueOf(at.getPort()), "/echo", mode)
                .redirectErrorStream(true).start();
        boolean ended = client.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            client.destroyForcibly();
        }
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, "the client ends: " + output);
        assertEquals(0, client.exitValue(), output);
        String expected = "extensions " + (mode.equals("deflate") ? "permessage-deflate" : "none") + "\n"
                + "ok 1\nok 125\nok 126\nok 65535\nok 65536\nok 1048576\nok 16777216\nclosed 1000\n";
        assertEquals(expected, output);
        assertEquals("extensions " + (mode.equals("deflate") ? "permessage-deflate" : ""), events.poll(5, TimeUnit.SECONDS));
        assertEquals("close 1000 done", events.poll(5, TimeUnit.SECONDS));
    }
}
