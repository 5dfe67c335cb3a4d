package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import org.junit.jupiter.api.Test;

/** Requests for a route being replaced wait for the replacement, or get 503 when the grace ends. */
class ParkedRequestTest {

    /** A route table whose only route is missing until {@link #replace} installs a handler. */
    private static final class Swapping implements HandlerResolver {
        volatile RouteTarget target;
        final RouteChanges changes = new RouteChanges();
        final long graceNanos;

        Swapping(long graceMillis) {
            this.graceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
        }

        @Override
        public HandlerResolver.Resolution resolve(String method, String path) {
            RouteTarget t = target;
            return t != null ? HandlerResolver.Resolution.found(t) : HandlerResolver.Resolution.pending(System.nanoTime() + graceNanos);
        }

        @Override
        public void onNextChange(Runnable callback) {
            changes.onNextChange(callback);
        }

        void replace(RouteTarget t) {
            target = t;
            changes.changed();
        }
    }

    private static final String GET = "GET /swap HTTP/1.1\r\nHost: t\r\n\r\n";

    @Test
    void aParkedRequestIsServedByTheReplacement() {
        Swapping routes = new Swapping(60_000);
        Wire wire = new Wire(routes, EngineSettings.defaults(), Runnable::run);
        assertEquals("", wire.send(GET), "nothing yet: the request waits");
        routes.replace(new RouteTarget((req, res) -> res.end("v2"), 2, false, false));
        String out = wire.output();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("v2"), out);
        wire.close();
    }

    @Test
    void aParkedRequestGets503WhenTheGraceEnds() {
        Swapping routes = new Swapping(1000);
        Wire wire = new Wire(routes, EngineSettings.defaults(), Runnable::run);
        assertEquals("", wire.send(GET));
        wire.advance(1001);
        String out = wire.output();
        assertTrue(out.startsWith("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"), out);
        wire.close();
    }

    @Test
    void aClientLeavingWhileParkedIsForgotten() {
        Swapping routes = new Swapping(60_000);
        List<String> calls = new ArrayList<>();
        Wire wire = new Wire(routes, EngineSettings.defaults(), Runnable::run);
        wire.send(GET);
        wire.ch.close();
        routes.replace(new RouteTarget((req, res) -> calls.add("called"), 2, false, false));
        wire.output();
        assertEquals(List.of(), calls);
        wire.close();
    }
}
