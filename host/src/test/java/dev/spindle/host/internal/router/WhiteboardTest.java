package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.api.ServerResponse;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;
import dev.spindle.host.internal.http.HttpEngine;

/** Replacing handlers: the grace for a route being replaced, and the drain of the one leaving. */
class WhiteboardTest {

    private final Whiteboard whiteboard = new Whiteboard();

    private Registration registration(long id, String route, Handler h) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        props.put(Handler.ROUTE, route);
        return Registration.of(h, props, 7, "test.bundle");
    }

    @Test
    void aRouteThatLostItsHandlerWaitsForTheReplacement() {
        whiteboard.timeouts(60_000, 1000);
        whiteboard.add(registration(1, "/swap", (req, res) -> res.end("v1")));
        whiteboard.remove(1);
        assertTrue(whiteboard.resolve("GET", "/swap").isPending());
        assertFalse(whiteboard.resolve("GET", "/never").isPending(), "a route that never had a handler: 404 at once");

        AtomicReference<Boolean> woken = new AtomicReference<>(false);
        whiteboard.onNextChange(() -> woken.set(true));
        Handler v2 = (req, res) -> res.end("v2");
        whiteboard.add(registration(2, "/swap", v2));
        assertTrue(woken.get());
        assertSame(v2, whiteboard.resolve("GET", "/swap").target().handler());
    }

    @Test
    void aRemovedRouteAnswers404AtOnce() {
        whiteboard.timeouts(60_000, 1000);
        whiteboard.add(registration(1, "/gone", (req, res) -> res.end()));
        whiteboard.remove(1, true);
        Resolution r = whiteboard.resolve("GET", "/gone");
        assertFalse(r.isPending(), "a removal leaves no grace");
        assertNull(r.target());
    }

    @Test
    void routesHandedOverByTheLastHostWaitForTheirHandlers() {
        whiteboard.timeouts(60_000, 1000);
        whiteboard.add(registration(1, "/kept", (req, res) -> res.end()));
        whiteboard.remove(1);
        Whiteboard next = new Whiteboard();
        next.timeouts(60_000, 1000);
        next.expect(whiteboard.routes());
        assertTrue(next.resolve("GET", "/kept").isPending());
        assertFalse(next.resolve("GET", "/other").isPending());
    }

    @Test
    void theGraceEnds() {
        whiteboard.timeouts(0, 1000);
        whiteboard.add(registration(1, "/api/*", (req, res) -> res.end()));
        whiteboard.remove(1);
        Resolution r = whiteboard.resolve("GET", "/api/x");
        assertFalse(r.isPending());
        assertNull(r.target());
    }

    @Test
    void aRemovedHandlerIsDrainedBeforeUnbindReturns() throws Exception {
        AtomicReference<ServerResponse> running = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        whiteboard.timeouts(60_000, 30_000);
        whiteboard.add(registration(1, "/slow", (req, res) -> {
            res.write("started ");
            running.set(res);
            started.countDown();
        }));
        HttpEngine engine = new HttpEngine(EngineSettings.defaults(), whiteboard, Runnable::run, "nio", 1);
        int port = engine.start("127.0.0.1", 0).getPort();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes());
            assertTrue(started.await(10, TimeUnit.SECONDS));

            CompletableFuture<Void> unbind = CompletableFuture.runAsync(() -> whiteboard.remove(1));
            assertThrowsTimeout(unbind);
            assertFalse(unbind.isDone(), "unbind returned with a request still running");
            running.get().end("finished");
            unbind.get(10, TimeUnit.SECONDS);

            String response = readUntil(s.getInputStream(), "0\r\n\r\n");
            assertTrue(response.contains("started ") && response.contains("finished"), response);
            assertEquals(0, whiteboard.describe().size());
        } finally {
            engine.close();
        }
    }

    private static String readUntil(java.io.InputStream in, String end) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** The future does not complete within a short bounded wait. */
    private static void assertThrowsTimeout(CompletableFuture<Void> f) throws Exception {
        try {
            f.get(300, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException expected) {
            return;
        }
        throw new AssertionError("completed too early");
    }
}
