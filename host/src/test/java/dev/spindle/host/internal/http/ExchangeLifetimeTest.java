package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.spindle.api.IncomingMessage;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * An exchange lives as long as its request and response: no timer keeps a finished one (and with
 * it the handler and its bundle's class loader) reachable, and a listener that throws never
 * breaks the engine.
 */
class ExchangeLifetimeTest {

    private static EngineSettings withResponseTimeout(long millis) {
        return Settings.defaults().responseTimeoutMillis(millis).build();
    }

    /** Collects until every reference is cleared, or gives up after a bounded number of tries. */
    private static int uncollected(List<WeakReference<Object>> refs) throws InterruptedException {
        int left = refs.size();
        for (int i = 0; i < 50 && left > 0; i++) {
            System.gc();
            Thread.sleep(10);
            left = (int) refs.stream().filter(r -> r.get() != null).count();
        }
        return left;
    }

    /**
     * The request timer (armed for every chunked body) and the response deadline are cancelled
     * when their exchange ends, on a connection that stays open.
     */
    @Test
    void finishedExchangesAreCollectableWhileTheirConnectionStaysOpen() throws InterruptedException {
        List<WeakReference<Object>> requests = new ArrayList<>();
        Wire wire = new Wire(Wire.route((req, res) -> {
            requests.add(new WeakReference<>(req));
            req.body().thenAccept(b -> res.end("got " + b.length));
        }), withResponseTimeout(300_000), Runnable::run);
        String post = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        for (int i = 0; i < 50; i++) {
            assertTrue(wire.send(post).endsWith("got 11"));
        }
        assertTrue(wire.open(), "the connection is kept alive");
        assertEquals(50, requests.size());
        assertEquals(0, uncollected(requests), "finished exchanges still reachable");
        wire.close();
    }

    /** A throwing {@code onAborted} listener is logged and counted; the exchange still ends properly. */
    @Test
    void aThrowingAbortedListenerDoesNotStopTheExchangeFromEnding() {
        List<String> events = new ArrayList<>();
        RouteTarget target = new RouteTarget((req, res) -> {
            req.onAborted(() -> {
                events.add("aborted");
                throw new IllegalStateException("listener bug");
            });
            res.onClose(() -> events.add("close"));
            res.onDone(o -> events.add("done " + o));
        }, 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        Wire wire = new Wire((method, path) -> found, EngineSettings.defaults(), Runnable::run);
        assertEquals("", wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhal"));
        wire.ch.close();
        wire.output();
        assertEquals(List.of("aborted", "close", "done CLIENT_ABORTED"), events);
        assertEquals(1, target.failures(), "the listener's failure counts against its handler");
        assertEquals(0, target.inFlight());
        wire.close();
    }

    /** A listener registered after the request was aborted runs at once, guarded too. */
    @Test
    void anAbortedListenerAddedLateRunsGuarded() {
        List<IncomingMessage> seen = new ArrayList<>();
        List<String> events = new ArrayList<>();
        Wire wire = new Wire((req, res) -> seen.add(req));
        wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhal");
        wire.ch.close();
        wire.output();
        seen.get(0).onAborted(() -> {
            events.add("late");
            throw new IllegalStateException("listener bug");
        });
        wire.output();
        assertEquals(List.of("late"), events);
        wire.close();
    }
}
