package dev.spindle.host.internal.http.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.RouteChanges;
import dev.spindle.host.internal.http.TestEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * An upgrade for a WebSocket route whose handler is being replaced waits (parked, not reading)
 * for the replacement; these tests park one on purpose over a real socket and prove that it is
 * always answered within bounded time: 101 by the new version, or a clean 503 refusal when the
 * grace ends or the server stops. The grace is far longer than the tests' waits, so that an
 * upgrade answered only when its grace ends fails them.
 */
class WebSocketParkedUpgradeTest {

    /** How long a test waits for an answer (a system property widens it on a slow machine). */
    private static final int ANSWER_MILLIS = Integer.getInteger("spindle.test.answerMillis", 10_000);
    private static final long GRACE_MILLIS = 120_000;

    /** The WebSocket route {@code /ws}: vacant (its grace running) until {@link #replace} installs a version. */
    private static final class Swapping implements HandlerResolver {
        final RouteTarget http = new RouteTarget((req, res) -> res.end("http"), 1, false, false);
        final long graceNanos;
        volatile RouteTarget target;
        /** When the grace ends: it starts with the first lookup, so that a slow start does not use it up. */
        volatile long vacantUntil;
        /** Runs once inside the next lookup that finds the route vacant, just before it answers "pending". */
        volatile Runnable duringLookup;
        final RouteChanges changes = new RouteChanges();

        Swapping(long graceMillis) {
            graceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
        }

        @Override
        public Resolution resolve(String method, String path) {
            return Resolution.found(http);
        }

        @Override
        public Resolution resolveWebSocket(String path) {
            RouteTarget t = target;
            if (t != null) {
                return Resolution.found(t);
            }
            if (vacantUntil == 0) {
                vacantUntil = System.nanoTime() + graceNanos;
            }
            if (System.nanoTime() - vacantUntil >= 0) {
                return Resolution.notFound();
            }
            Runnable r = duringLookup;
            duringLookup = null;
            if (r != null) {
                r.run();
            }
            return Resolution.pending(vacantUntil);
        }

        @Override
        public void onNextChange(Runnable callback) {
            changes.onNextChange(callback);
        }

        /** A routing change: {@code t} (null: none) serves the route, and the waiters are woken. */
        void change(RouteTarget t) {
            target = t;
            changes.changed();
        }
    }

    @RegisterExtension
    final TestEngine server = new TestEngine();

    private InetSocketAddress start(Swapping routes) throws InterruptedException {
        InetSocketAddress at = server.startRoutes(EngineSettings.defaults(), routes);
        server.engine.webSocketSettings(WebSocketProtocolTest.SMALL);
        return at;
    }

    /** A version of the handler: greets each socket with its name. */
    private static RouteTarget version(String name) {
        return new RouteTarget((dev.spindle.api.WebSocketHandler) (req, socket) -> socket.send("hello " + name),
                List.of(), 9, "/ws");
    }

    private static WsWire client(InetSocketAddress at) throws Exception {
        WsWire c = new WsWire(at);
        c.socket.setSoTimeout(ANSWER_MILLIS);
        return c;
    }

    /** Sends the upgrade and waits until it is parked: it waits for the next routing change. */
    private static void park(WsWire c, Swapping routes) throws Exception {
        c.out.write(WsWire.upgrade("/ws", "").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        c.out.flush();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MILLIS);
        while (!routes.changes.waited()) {
            assertTrue(System.nanoTime() - deadline < 0, "the upgrade was not parked");
            Thread.sleep(5);
        }
    }

    @Test
    void aReplacementBetweenTheLookupAndTheWaitStillAnswersTheUpgradeAtOnce() throws Exception {
        Swapping routes = new Swapping(GRACE_MILLIS);
        // the new version registers while the upgrade's lookup is answering "pending": it wakes
        // the waiters registered so far, and the upgrade is not one of them yet
        routes.duringLookup = () -> routes.change(version("v2"));
        try (WsWire c = client(start(routes))) {
            String head = c.handshake(WsWire.upgrade("/ws", ""));
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertEquals("hello v2", c.read().text());
        }
    }

    @Test
    void aParkedUpgradeIsAnsweredByTheReplacement() throws Exception {
        Swapping routes = new Swapping(GRACE_MILLIS);
        try (WsWire c = client(start(routes))) {
            park(c, routes);
            // a change that leaves the route vacant wakes the upgrade, which waits on
            routes.change(null);
            routes.change(version("v2"));
            String head = c.readHead();
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertEquals("hello v2", c.read().text());
        }
    }

    @Test
    void aParkedUpgradeIsRefusedWith503WhenTheGraceEnds() throws Exception {
        Swapping routes = new Swapping(300);
        try (WsWire c = client(start(routes))) {
            String head = c.handshake(WsWire.upgrade("/ws", ""));
            assertTrue(head.startsWith("HTTP/1.1 503 "), head);
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aParkedUpgradeIsRefusedWith503WhenTheServerStops() throws Exception {
        Swapping routes = new Swapping(GRACE_MILLIS);
        try (WsWire c = client(start(routes))) {
            park(c, routes);
            HttpEngine stopping = server.engine;
            server.engine = null;
            // a drain far longer than the test's wait: the answer must not wait for its end
            Thread closer = new Thread(() -> stopping.close(GRACE_MILLIS));
            closer.start();
            String head = c.readHead();
            assertTrue(head.startsWith("HTTP/1.1 503 "), head);
            assertTrue(c.closedByServer());
            closer.join(ANSWER_MILLIS);
            assertTrue(!closer.isAlive(), "the engine stopped once the parked upgrade was answered");
        }
    }
}
