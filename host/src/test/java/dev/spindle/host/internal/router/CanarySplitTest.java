package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.api.IncomingMessage;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;

/** A canary bundle sharing its stable version's route: the exact schedule, stickiness, and the listing. */
class CanarySplitTest {

    private final Whiteboard whiteboard = new Whiteboard();
    private final Handler stable = (req, res) -> res.end("v1");
    private final Handler canary = (req, res) -> res.end("v2");

    private void register(long serviceId, long bundleId, String bsn, Handler h) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", serviceId);
        props.put(Handler.ROUTE, "/swap/*");
        whiteboard.add(Registration.of(h, props, bundleId, bsn));
    }

    /** How many of {@code n} requests (with {@code headers}) the canary gets. */
    private int toCanary(int n, Map<String, String> headers) {
        IncomingMessage req = (IncomingMessage) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {IncomingMessage.class}, (p, m, args) -> m.getName().equals("header")
                        ? headers.get(((String) args[0]).toLowerCase(java.util.Locale.ROOT)) : null);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            Resolution r = whiteboard.resolve("GET", "/swap/x");
            if (r.choose(req).handler() == canary) {
                hits++;
            }
        }
        return hits;
    }

    @Test
    void anUndeclaredSecondVersionIsShadowedAsBefore() {
        register(1, 7, "swap", stable);
        register(2, 8, "swap", canary);
        assertEquals(0, toCanary(100, Map.of()));
        assertEquals(List.of("ACTIVE", "SHADOWED"), whiteboard.describe().stream().map(HttpServer.HandlerRegistration::state).toList());
    }

    @Test
    void theCanaryGetsItsShareExactlyOverAnyRun() {
        register(1, 7, "swap", stable);
        whiteboard.canary(8, new Canary(20, null));
        register(2, 8, "swap", canary);
        for (int n : new int[] {5, 10, 99, 1000}) {
            int before = toCanary(0, Map.of());
            int got = toCanary(n, Map.of());
            assertEquals(before, 0);
            assertEquals(n / 5, got, "every fifth request of " + n);
        }
        assertEquals(List.of("ACTIVE", "CANARY"), whiteboard.describe().stream().map(HttpServer.HandlerRegistration::state).toList());
        assertEquals(1, whiteboard.splits().size());
        assertEquals(20, whiteboard.splits().get(0).percent());

        whiteboard.canary(8, new Canary(50, null));
        assertEquals(500, toCanary(1000, Map.of()));
        whiteboard.canary(8, null);
        assertEquals(0, toCanary(100, Map.of()), "no longer a canary: shadowed again");
    }

    @Test
    void withoutItsStableVersionACanaryServesAlone() {
        whiteboard.canary(8, new Canary(10, null));
        register(2, 8, "swap", canary);
        register(3, 9, "other", stable);
        assertSame(canary, whiteboard.resolve("GET", "/swap/x").target().handler(), "another symbolic name is no stable version");
        assertEquals(List.of(), whiteboard.splits());
    }

    @Test
    void stickinessKeepsAClientOnOneVersion() {
        register(1, 7, "swap", stable);
        whiteboard.canary(8, new Canary(30, new Canary.Stickiness(null, "session")));
        register(2, 8, "swap", canary);
        int sessionsOnCanary = 0;
        for (int s = 0; s < 1000; s++) {
            int got = toCanary(10, Map.of("cookie", "a=b; session=user-" + s));
            assertEquals(got == 0 ? 0 : 10, got, "session " + s + " sees one version");
            sessionsOnCanary += got / 10;
        }
        assertEquals(300, sessionsOnCanary, 60, "about 30 % of the sessions");
        assertEquals(3, toCanary(10, Map.of()), "without the cookie: the schedule");
    }
}
