package dev.spindle.host.internal.http.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spindle.api.WebSocket;
import dev.spindle.api.WebSocketHandler;
import dev.spindle.host.internal.http.Conditions;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * WebSocket over real sockets with raw frames: the handshake, messages both ways, and each
 * protocol error answered with its close code by Netty's codec as the engine configures it.
 */
class WebSocketProtocolTest {

    /** Small limits so that the errors are cheap to provoke. */
    static final WebSocketSettings SMALL = new WebSocketSettings(1024, 4096, 64 * 1024, 0, 2000, false);

    private final ExecutorService workers = Executors.newFixedThreadPool(1);
    private HttpEngine engine;
    /** What the handler saw, in order: "open", "text:...", "binary:n", "ping", "close:code:reason", "error:Class". */
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    RouteTarget wsTarget;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
    }

    /** An echo handler on {@code /ws} (and {@code /ws/*}), an HTTP handler on every path. */
    InetSocketAddress start(WebSocketSettings ws, WebSocketHandler handler, List<String> subprotocols) throws InterruptedException {
        wsTarget = new RouteTarget(handler, subprotocols, 7, "/ws");
        RouteTarget http = new RouteTarget((req, res) -> res.end("http " + req.url()), 1, false, false);
        HandlerResolver resolver = new HandlerResolver() {
            @Override
            public Resolution resolve(String method, String path) {
                return Resolution.found(http);
            }

            @Override
            public Resolution resolveWebSocket(String path) {
                return path.equals("/ws") || path.startsWith("/ws/") ? Resolution.found(wsTarget) : Resolution.notFound();
            }
        };
        engine = new HttpEngine(EngineSettings.defaults(), resolver, workers, "nio", 1);
        engine.webSocketSettings(ws);
        return engine.start("127.0.0.1", 0);
    }

    InetSocketAddress startEcho(WebSocketSettings ws) throws InterruptedException {
        return start(ws, (req, socket) -> {
            events.add("open");
            socket.onMessage(m -> {
                events.add(m.isBinary() ? "binary:" + m.bytes().length : "text:" + m.text());
                if (m.isBinary()) {
                    socket.send(m.bytes());
                } else {
                    socket.send(m.text());
                }
            });
            socket.onPing(data -> events.add("ping:" + new String(data, StandardCharsets.UTF_8)));
            socket.onClose((code, reason) -> events.add("close:" + code + ":" + reason));
            socket.onError(e -> events.add("error:" + e.getClass().getSimpleName()));
        }, List.of());
    }

    String next() throws InterruptedException {
        String e = events.poll(5, TimeUnit.SECONDS);
        return e == null ? "(nothing within 5 s)" : e;
    }

    @Test
    void handshakeAnswers101AndMessagesEchoBothWays() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/ws", ""));
            assertTrue(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head);
            assertTrue(head.toLowerCase().contains("sec-websocket-accept: "), head);
            assertEquals("open", next());
            c.sendText("héllo");
            WsWire.Frame f = c.read();
            assertEquals(WsWire.TEXT, f.opcode());
            assertEquals("héllo", f.text());
            assertEquals("text:héllo", next());
            c.send(WsWire.BINARY, new byte[] {0, 1, 2, (byte) 255});
            f = c.read();
            assertEquals(WsWire.BINARY, f.opcode());
            assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, f.payload());
            assertEquals("binary:4", next());
            // a fragmented message arrives whole, with a ping between its fragments
            c.send(false, 0, WsWire.TEXT, "ab".getBytes(StandardCharsets.UTF_8), true);
            c.send(true, 0, WsWire.PING, "p".getBytes(StandardCharsets.UTF_8), true);
            c.send(true, 0, WsWire.CONTINUATION, "cd".getBytes(StandardCharsets.UTF_8), true);
            f = c.read();
            assertEquals(WsWire.PONG, f.opcode());
            assertEquals("p", f.text());
            assertEquals("ping:p", next());
            assertEquals("abcd", c.read().text());
            assertEquals("text:abcd", next());
            c.sendClose(1000, "bye");
            f = c.read();
            assertEquals(WsWire.CLOSE, f.opcode());
            assertEquals(1000, f.closeCode());
            assertTrue(c.closedByServer());
            assertEquals("close:1000:bye", next());
        }
        assertEquals(0, wsTarget.inFlight());
    }

    static Stream<Arguments> violations() {
        byte[] big = new byte[2000];
        return Stream.of(
                Arguments.of("an unmasked frame", (Violation) c -> c.send(true, 0, WsWire.TEXT, "x".getBytes(), false), 1002),
                Arguments.of("text that is not UTF-8", (Violation) c -> c.send(WsWire.TEXT, new byte[] {(byte) 0xc3, 0x28}), 1007),
                Arguments.of("a frame over maxFrameBytes", (Violation) c -> c.send(WsWire.BINARY, big), 1009),
                Arguments.of("a message over maxMessageBytes", (Violation) c -> {
                    for (int i = 0; i < 5; i++) {
                        c.send(false, 0, i == 0 ? WsWire.BINARY : WsWire.CONTINUATION, new byte[1000], true);
                    }
                }, 1009),
                // a close frame was received: Netty's codec fails the connection without one of its own (RFC 6455 7.1.7)
                Arguments.of("a close code that may not be sent (1005)", (Violation) c -> c.sendClose(1005, ""), -1002),
                Arguments.of("a close code out of range (999)", (Violation) c -> c.sendClose(999, ""), -1002),
                Arguments.of("a close reason that is not UTF-8", (Violation) c -> c.send(WsWire.CLOSE,
                        new byte[] {0x03, (byte) 0xe8, (byte) 0xc3, 0x28}), -1007),
                Arguments.of("a control frame over 125 bytes", (Violation) c -> c.send(WsWire.PING, new byte[126]), 1002),
                Arguments.of("a fragmented control frame", (Violation) c -> c.send(false, 0, WsWire.PING, new byte[1], true), 1002),
                Arguments.of("RSV bits without an extension", (Violation) c -> c.send(true, 4, WsWire.TEXT, "x".getBytes(), true), 1002),
                Arguments.of("a continuation with nothing to continue", (Violation) c -> c.send(WsWire.CONTINUATION, "x".getBytes()), 1002),
                Arguments.of("an unknown opcode", (Violation) c -> c.send(3, new byte[0]), 1002));
    }

    @FunctionalInterface
    interface Violation {
        void send(WsWire c) throws Exception;
    }

    /** {@code code}: the close frame's code; negative: the connection is closed without a close frame, the handler gets {@code -code}. */
    @ParameterizedTest(name = "{0} closes with {2}")
    @MethodSource("violations")
    void protocolViolationsCloseWithTheirCode(String what, Violation violation, int code) throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            assertEquals("open", next());
            violation.send(c);
            if (code > 0) {
                WsWire.Frame f = c.read();
                assertEquals(WsWire.CLOSE, f.opcode(), what);
                assertEquals(code, f.closeCode(), what);
            }
            assertTrue(c.closedByServer(), what);
        }
        code = Math.abs(code);
        String event = next();
        while (event.startsWith("error:")) {
            event = next();
        }
        assertTrue(event.startsWith("close:" + code + ":"), what + ": " + event);
        assertTrue(Conditions.within5s(() -> wsTarget.inFlight() == 0), "the socket is counted out of its handler");
    }


    @Test
    void aHandlerRefusesInVerifyWithAnOrdinaryStatus() throws Exception {
        InetSocketAddress at = start(SMALL, new WebSocketHandler() {
            @Override
            public int verify(dev.spindle.api.IncomingMessage req) {
                return "https://good.example".equals(req.header("origin")) ? 101 : 403;
            }

            @Override
            public void open(dev.spindle.api.IncomingMessage req, WebSocket socket) {
                events.add("open " + req.header("origin"));
            }
        }, List.of());
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/ws", "Origin: https://evil.example\r\n"));
            assertTrue(head.startsWith("HTTP/1.1 403 Forbidden\r\n"), head);
        }
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/ws", "Origin: https://good.example\r\n"));
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertEquals("open https://good.example", next());
        }
        assertTrue(events.isEmpty());
    }

    @Test
    void anUpgradeWhereNoWebSocketHandlerServesIsAnOrdinaryRequest() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/other", ""));
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        }
        assertTrue(events.isEmpty());
    }

    @Test
    void anotherVersionGets426WithTheVersionServed() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        String head = answer(at, WsWire.upgrade("/ws", "").replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"));
        assertTrue(head.startsWith("HTTP/1.1 426 "), head);
        assertTrue(head.toLowerCase().contains("sec-websocket-version: 13"), head);
        head = answer(at, WsWire.upgrade("/ws", "").replaceAll("Sec-WebSocket-Key: [^\r]*\r\n", ""));
        assertTrue(head.startsWith("HTTP/1.1 400 "), head);
        assertTrue(events.isEmpty());
    }

    /**
     * A handshake with two {@code Sec-WebSocket-Key}s (or two versions) is refused with 400, as the
     * ws package refuses it: which key the accept hash should prove would be a guess. It was
     * accepted with the first key before.
     */
    @Test
    void aSecondKeyOrVersionGets400() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        String head = answer(at, WsWire.upgrade("/ws", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
        assertTrue(head.startsWith("HTTP/1.1 400 "), head);
        head = answer(at, WsWire.upgrade("/ws", "Sec-WebSocket-Version: 13\r\n"));
        assertTrue(head.startsWith("HTTP/1.1 400 "), head);
        assertTrue(events.isEmpty());
    }

    /** The head of the server's answer to {@code request}, sent on a connection of its own. */
    private static String answer(InetSocketAddress at, String request) throws Exception {
        try (WsWire c = new WsWire(at)) {
            return c.handshake(request);
        }
    }

    @Test
    void theFirstSubprotocolTheClientOffersThatTheHandlerSpeaksIsChosen() throws Exception {
        InetSocketAddress at = start(SMALL, (req, socket) -> events.add("protocol " + socket.protocol()), List.of("chat.v2", "chat.v1"));
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/ws", "Sec-WebSocket-Protocol: other, chat.v1, chat.v2\r\n"));
            assertTrue(head.toLowerCase().contains("sec-websocket-protocol: chat.v1\r\n"), head);
            assertEquals("protocol chat.v1", next());
        }
        try (WsWire c = new WsWire(at)) {
            String head = c.handshake(WsWire.upgrade("/ws", "Sec-WebSocket-Protocol: other\r\n"));
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertFalse(head.toLowerCase().contains("sec-websocket-protocol"), head);
            assertEquals("protocol ", next());
        }
    }

    @Test
    void theHandlersCloseIsAnsweredAndOnCloseGetsItsCode() throws Exception {
        InetSocketAddress at = start(SMALL, (req, socket) -> {
            socket.onClose((code, reason) -> events.add("close:" + code + ":" + reason));
            socket.onMessage(m -> socket.close(4000, "done"));
        }, List.of());
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            c.sendText("go");
            WsWire.Frame f = c.read();
            assertEquals(WsWire.CLOSE, f.opcode());
            assertEquals(4000, f.closeCode());
            assertEquals("done", new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8));
            c.sendClose(4000, "");
            assertTrue(c.closedByServer());
        }
        assertEquals("close:4000:", next()); // as the ws package: the code and reason of the peer's close frame
    }

    @Test
    void theEndOfItsHandlerClosesASocketWith1001() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws/room", "")).startsWith("HTTP/1.1 101 "));
            assertEquals("open", next());
            assertEquals(1, wsTarget.inFlight());
            assertEquals(1, engine.sockets().size());
            assertEquals("/ws/room", engine.sockets().get(0).path());
            engine.endServedBy(wsTarget, dev.spindle.api.Outcome.HANDLER_REMOVED);
            WsWire.Frame f = c.read();
            assertEquals(1001, f.closeCode());
            c.sendClose(1001, "");
            assertTrue(c.closedByServer());
        }
        assertEquals("close:1001:", next());
        assertTrue(Conditions.within5s(() -> wsTarget.inFlight() == 0));
    }

    @Test
    void aPeerThatNeverAnswersTheCloseIsCutAfterTheCloseTimeout() throws Exception {
        InetSocketAddress at = start(new WebSocketSettings(1024, 4096, 64 * 1024, 0, 200, false),
                (req, socket) -> socket.close(), List.of());
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            assertEquals(1000, c.read().closeCode());
            long start = System.nanoTime();
            assertTrue(c.closedByServer());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void aStoppingServerClosesItsSocketsWith1001() throws Exception {
        InetSocketAddress at = startEcho(SMALL);
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            assertEquals("open", next());
            Thread closer = new Thread(() -> engine.close(5000));
            closer.start();
            WsWire.Frame f = c.read();
            assertEquals(WsWire.CLOSE, f.opcode());
            assertEquals(1001, f.closeCode());
            c.sendClose(1001, "");
            assertTrue(c.closedByServer());
            closer.join(10_000);
            assertFalse(closer.isAlive(), "the server stopped once its sockets closed");
        }
        assertEquals("close:1001:", next());
        engine = null;
    }

    @Test
    void sendSaysFalseOverTheHighWaterMarkAndOnDrainRunsOnceTheClientReads() throws Exception {
        BlockingQueue<Boolean> results = new LinkedBlockingQueue<>();
        AtomicInteger sent = new AtomicInteger();
        byte[] chunk = new byte[16 * 1024];
        InetSocketAddress at = start(new WebSocketSettings(1024, 4096, 64 * 1024, 0, 2000, false), (req, socket) -> {
            socket.onDrain(() -> events.add("drain " + socket.bufferedAmount()));
            socket.onMessage(m -> {
                // far more than the socket buffers take while the client does not read
                for (int i = 0; i < 256; i++) {
                    sent.incrementAndGet();
                    boolean below = socket.send(chunk);
                    if (!below) {
                        results.add(false);
                        events.add("full " + socket.bufferedAmount());
                        return;
                    }
                }
                results.add(true);
            });
        }, List.of());
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            c.sendText("go");
            assertEquals(Boolean.FALSE, results.poll(5, TimeUnit.SECONDS));
            String full = next();
            assertTrue(full.startsWith("full ") && Long.parseLong(full.substring(5)) >= 64 * 1024, full);
            // the frames go out in one flush at the end of the read that brought "go", and the drain
            // runs after that write: the client may have read every frame by then
            for (int i = 0; i < sent.get(); i++) {
                assertEquals(WsWire.BINARY, c.read().opcode());
            }
            String drained = events.poll(5, TimeUnit.SECONDS);
            assertTrue(drained != null && drained.startsWith("drain "), "drain after " + sent + " frames: " + drained);
            assertTrue(Long.parseLong(drained.substring(6)) < 32 * 1024, drained);
        }
    }

    @Test
    void anIdleClientIsPingedAndOneThatNeverAnswersIsClosed() throws Exception {
        InetSocketAddress at = start(new WebSocketSettings(1024, 4096, 64 * 1024, 200, 2000, false),
                (req, socket) -> socket.onPong(data -> events.add("pong")), List.of());
        try (WsWire c = new WsWire(at)) {
            assertTrue(c.handshake(WsWire.upgrade("/ws", "")).startsWith("HTTP/1.1 101 "));
            WsWire.Frame ping = c.read();
            assertEquals(WsWire.PING, ping.opcode());
            c.send(WsWire.PONG, ping.payload());
            assertEquals("pong", next());
            assertEquals(WsWire.PING, c.read().opcode()); // idle again: pinged again; this one is not answered
            long start = System.nanoTime();
            assertTrue(c.closedByServer());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }
}
