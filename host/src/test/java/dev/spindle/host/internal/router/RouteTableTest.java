package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;

/** Routing precedence, method filtering and how bad registrations are recorded. */
class RouteTableTest {

    private final Whiteboard whiteboard = new Whiteboard();

    private Handler register(long id, String route, Object... more) {
        Handler h = (req, res) -> res.end();
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        if (route != null) {
            props.put(Handler.ROUTE, route);
        }
        for (int i = 0; i < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        whiteboard.add(Registration.of(h, props, 7, "test.bundle"));
        return h;
    }

    private Handler served(String method, String path) {
        Resolution r = whiteboard.resolve(method, path);
        return r.target() == null ? null : r.target().handler();
    }

    @Test
    void exactRouteBeatsPrefix() {
        Handler prefix = register(1, "/api/*");
        Handler exact = register(2, "/api/notes");
        assertSame(exact, served("GET", "/api/notes"));
        assertSame(prefix, served("GET", "/api/notes/1"));
        assertSame(prefix, served("GET", "/api"));
        assertNull(served("GET", "/apis"));
    }

    @Test
    void longestPrefixWins() {
        Handler all = register(1, "/*");
        Handler api = register(2, "/api/*");
        Handler v2 = register(3, "/api/v2/*");
        assertSame(v2, served("GET", "/api/v2/x"));
        assertSame(api, served("GET", "/api/v1/x"));
        assertSame(all, served("GET", "/other"));
    }

    @Test
    void highestRankingThenLowestServiceIdWins() {
        register(5, "/x");
        Handler older = register(4, "/x");
        assertSame(older, served("GET", "/x"));
        Handler ranked = register(9, "/x", "service.ranking", 10);
        assertSame(ranked, served("GET", "/x"));
    }

    @Test
    void methodsSelectAmongHandlersOfARouteAnd405ListsThem() {
        Handler get = register(1, "/notes", Handler.METHODS, "GET, HEAD");
        Handler post = register(2, "/notes", Handler.METHODS, new String[] {"post"});
        assertSame(get, served("GET", "/notes"));
        assertSame(post, served("POST", "/notes"));
        Resolution r = whiteboard.resolve("DELETE", "/notes");
        assertNull(r.target());
        assertEquals("GET, HEAD, POST", r.allow());
        assertNull(whiteboard.resolve("GET", "/elsewhere").allow());
    }

    @Test
    void aMethodMismatchFallsThroughToAPrefix() {
        register(1, "/notes", Handler.METHODS, "GET");
        Handler any = register(2, "/*");
        assertSame(any, served("POST", "/notes"));
    }

    @Test
    void invalidRegistrationsAreRecordedWithAReasonAndNotServed() {
        register(1, null);
        register(2, "no-slash");
        register(3, "/a/*/b");
        register(4, "/x", Handler.BLOCKING, "maybe");
        register(5, "/y", Handler.METHODS, 42);
        List<HttpServer.HandlerRegistration> all = whiteboard.describe();
        assertEquals(5, all.size());
        all.forEach(r -> assertEquals("FAILED", r.state()));
        assertEquals("spindle.route is missing", all.get(0).reason());
        assertEquals("spindle.route must start with '/': no-slash", all.get(1).reason());
        assertEquals("spindle.route may only end in '/*': /a/*/b", all.get(2).reason());
        assertEquals("spindle.blocking must be true or false, not 'maybe'", all.get(3).reason());
        assertEquals("spindle.methods must be a string or strings, not Integer", all.get(4).reason());
        assertNull(served("GET", "/x"));
    }

    @Test
    void aHandlerCoveredByAHigherOneIsShownShadowed() {
        register(1, "/x");
        register(2, "/x");
        register(3, "/x", Handler.METHODS, "GET", "service.ranking", -1);
        List<HttpServer.HandlerRegistration> all = whiteboard.describe();
        assertEquals(List.of("ACTIVE", "SHADOWED", "SHADOWED"), all.stream().map(HttpServer.HandlerRegistration::state).toList());
        assertEquals("shadowed by service 1", all.get(1).reason());
    }

    @Test
    void removingTheWinnerUncoversTheNext() {
        register(1, "/x");
        Handler second = register(2, "/x");
        whiteboard.remove(1);
        assertSame(second, served("GET", "/x"));
        whiteboard.remove(2);
        assertNull(served("GET", "/x"));
    }
}
