package dev.spindle.host.internal.http.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * Interoperability with real clients, over a real socket to the engine, with
 * {@code permessage-deflate} negotiated and without: Python's {@code websockets} library (Debian's
 * {@code python3-websockets}, for {@code /usr/bin/python3}) sends text and binary messages from
 * 1 byte to 16 MiB to an echo handler and checks each that comes back; Node's {@code ws} package
 * (src/test/node, installed by the build's {@code npm ci}) does the same and also receives messages
 * of every size that the handler makes itself.
 */
class WebSocketInteropTest {

    private static final int[] SIZES = {1, 125, 126, 65535, 65536, 1 << 20, 16 << 20};

    private final ExecutorService workers = Executors.newFixedThreadPool(1);
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
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
        int port = start(mode);
        String output = run(List.of("/usr/bin/python3", Path.of("src/test/python/ws_echo_client.py").toAbsolutePath().toString(),
                String.valueOf(port), "/echo", mode));
        String expected = "extensions " + extensionsSeen(mode, "none") + "\n"
                + "ok 1\nok 125\nok 126\nok 65535\nok 65536\nok 1048576\nok 16777216\nclosed 1000\n";
        assertEquals(expected, output);
        assertEquals("extensions " + extensionsSeen(mode, ""), events.poll(5, TimeUnit.SECONDS));
        assertEquals("close 1000 done", events.poll(5, TimeUnit.SECONDS));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "deflate"})
    void nodeWsEchoesAndReceivesEverySizeFromOneByteTo16MiB(String mode) throws Exception {
        int port = start(mode);
        // target/node: the script and package.json copied from src/test/node, node_modules from npm ci (pom.xml)
        Path script = Path.of("target/node/ws_client.js").toAbsolutePath();
        assertTrue(Files.isDirectory(script.resolveSibling("node_modules/ws")), "the build ran npm ci in " + script.getParent());
        String output = run(List.of("node", script.toString(), String.valueOf(port), mode));
        StringBuilder expected = new StringBuilder("extensions " + extensionsSeen(mode, "none") + "\n");
        for (String direction : List.of("echo", "push")) {
            for (int n : SIZES) {
                expected.append(direction).append(' ').append(n).append('\n');
            }
            expected.append("closed 1000\n");
        }
        assertEquals(expected.toString(), output);
        assertEquals("extensions " + extensionsSeen(mode, ""), events.poll(5, TimeUnit.SECONDS));
        assertEquals("close 1000 done", events.poll(5, TimeUnit.SECONDS));
        assertEquals("close 1000 done", events.poll(5, TimeUnit.SECONDS));
    }

    private static String extensionsSeen(String mode, String none) {
        return mode.equals("deflate") ? "permessage-deflate" : none;
    }

    /** Starts the engine with /echo (every message back as it came) and /push ("binary N" or "text N" asks for one). */
    private int start(String mode) throws InterruptedException {
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
        RouteTarget push = new RouteTarget((req, socket) -> {
            socket.onMessage(m -> {
                String[] ask = m.text().split(" ");
                int n = Integer.parseInt(ask[1]);
                if (ask[0].equals("binary")) {
                    socket.send(binaryOf(n));
                } else {
                    socket.send(textOf(n));
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
                return switch (path) {
                    case "/echo" -> Resolution.found(echo);
                    case "/push" -> Resolution.found(push);
                    default -> Resolution.notFound();
                };
            }
        };
        engine = new HttpEngine(EngineSettings.defaults(), resolver, workers, "nio", 1);
        WebSocketSettings d = WebSocketSettings.defaults();
        engine.webSocketSettings(new WebSocketSettings(d.maxFrameBytes(), d.maxMessageBytes(), d.highWaterMarkBytes(),
                d.pingIntervalMillis(), d.closeTimeoutMillis(), mode.equals("deflate")));
        return engine.start("127.0.0.1", 0).getPort();
    }

    /** Runs a client to its end (at most two minutes) and returns its output; fails unless it exits with 0. */
    private static String run(List<String> command) throws Exception {
        Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean ended = client.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            client.destroyForcibly();
        }
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ended, "the client ends: " + output);
        assertEquals(0, client.exitValue(), output);
        return output;
    }

    /** n bytes of UTF-8 with two-byte characters in it (as the clients make them). */
    private static String textOf(int n) {
        return "\u00e9".repeat(n / 2) + "a".repeat(n % 2);
    }

    /** Byte i of a pushed binary message of n bytes is (i * 31 + n) mod 256 (ws_client.js checks the same). */
    private static byte[] binaryOf(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + n);
        }
        return b;
    }
}
