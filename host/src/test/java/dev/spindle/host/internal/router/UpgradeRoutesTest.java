package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.api.UpgradeHandler;
import dev.spindle.api.WebSocketHandler;

/**
 * WebSocket and upgrade handlers in the whiteboard: each kind routed in a table of its own by
 * the same rules, one service registered as several kinds, a route being replaced waiting for its
 * handler.
 */
class UpgradeRoutesTest {

    private final Whiteboard whiteboard = new Whiteboard();

    private static Map<String, Object> props(long id, String route, Object... more) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        props.put(Handler.ROUTE, route);
        for (int i = 0; i < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        return props;
    }

    private WebSocketHandler socket(long id, String route, Object... more) {
        WebSocketHandler h = (req, ws) -> { };
        whiteboard.add(Registration.ofWebSocket(h, props(id, route, more), 7, "test.bundle"));
        return h;
    }

    private WebSocketHandler servedSocket(String path) {
        RouteTarget t = whiteboard.resolveWebSocket(path).target();
        return t == null ? null : t.webSocketHandler();
    }

    @Test
    void aWebSocketHandlerAndAnHttpHandlerShareARouteWithoutSeeingEachOther() {
        Handler page = (req, res) -> res.end();
        whiteboard.add(Registration.of(page, props(1, "/chat"), 7, "test.bundle"));
        WebSocketHandler room = socket(2, "/chat");
        assertSame(page, whiteboard.resolve("GET", "/chat").target().handler());
        assertSame(room, servedSocket("/chat"));
        assertNull(servedSocket("/other"));
        whiteboard.remove(1, true);
        assertNull(whiteboard.resolve("GET", "/chat").target());
        assertSame(room, servedSocket("/chat"));
    }

    @Test
    void webSocketRoutesFollowTheRoutingRules() {
        WebSocketHandler all = socket(1, "/ws/*");
        socket(2, "/ws/lobby");
        WebSocketHandler ranked = socket(3, "/ws/lobby", "service.ranking", 5);
        assertSame(ranked, servedSocket("/ws/lobby"));
        assertSame(all, servedSocket("/ws/other"));
        List<HttpServer.HandlerRegistration> listed = whiteboard.describe();
        assertTrue(listed.stream().allMatch(HttpServer.HandlerRegistration::webSocket));
        assertEquals("SHADOWED", listed.stream().filter(h -> h.serviceId() == 2).findFirst().orElseThrow().state());
    }

    @Test
    void oneServiceRegisteredAsBothKindsIsTwoRegistrations() {
        final class Both implements Handler, WebSocketHandler {
            @Override
            public void handle(dev.spindle.api.IncomingMessage req, dev.spindle.api.ServerResponse res) {
                res.end();
            }

            @Override
            public void open(dev.spindle.api.IncomingMessage req, dev.spindle.api.WebSocket socket) {
            }
        }
        Both both = new Both();
        whiteboard.add(Registration.of(both, props(9, "/both"), 7, "test.bundle"));
        whiteboard.add(Registration.ofWebSocket(both, props(9, "/both"), 7, "test.bundle"));
        assertEquals(2, whiteboard.describe().size());
        whiteboard.removeWebSocket(9, true);
        assertNull(servedSocket("/both"));
        assertSame(both, whiteboard.resolve("GET", "/both").target().handler());
    }

    @Test
    void anUpgradeDuringAnUpdateWaitsForTheReplacement() {
        socket(1, "/chat");
        whiteboard.removeWebSocket(1, false);
        assertTrue(whiteboard.resolveWebSocket("/chat").isPending());
        assertTrue(whiteboard.resolve("GET", "/chat").target() == null && !whiteboard.resolve("GET", "/chat").isPending(),
                "HTTP requests to the route are not held for the WebSocket handler");
        WebSocketHandler next = socket(2, "/chat");
        assertSame(next, servedSocket("/chat"));
    }

    @Test
    void upgradeHandlersAreRoutedByTheirProtocolsAndMayNotTakeTheHostsOwn() {
        UpgradeHandler shout = (req, s) -> { };
        whiteboard.add(Registration.ofUpgrade(shout, props(1, "/shout", UpgradeHandler.PROTOCOLS, "shout, IRC/6.9"), 7, "t"));
        assertSame(shout, whiteboard.resolveUpgrade("/shout", "SHOUT").target().upgradeHandler());
        assertSame(shout, whiteboard.resolveUpgrade("/shout", "irc/6.9").target().upgradeHandler());
        assertNull(whiteboard.resolveUpgrade("/shout", "whisper").target());
        assertNull(whiteboard.resolveUpgrade("/other", "shout").target());
        whiteboard.add(Registration.ofUpgrade(shout, props(2, "/x", UpgradeHandler.PROTOCOLS, "websocket"), 7, "t"));
        whiteboard.add(Registration.ofUpgrade(shout, props(3, "/y"), 7, "t"));
        List<String> failures = whiteboard.describe().stream().filter(h -> h.state().equals("FAILED"))
                .map(HttpServer.HandlerRegistration::reason).toList();
        assertEquals(List.of("spindle.upgrade.protocols may not take websocket: the host's",
                "spindle.upgrade.protocols is missing"), failures);
    }

    @Test
    void aBadSubprotocolListIsAFailureWithItsReason() {
        socket(1, "/ws", WebSocketHandler.SUBPROTOCOLS, "chat v1");
        assertEquals("spindle.ws.subprotocols has an invalid token: 'chat v1'", whiteboard.describe().get(0).reason());
        assertNull(servedSocket("/ws"));
    }
}
