package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.EngineStats;

/**
 * A request whose body is refused (413 over the limit) is one request with one 413 response in
 * the server's counts, on both protocols: the request was counted when its head arrived, so the
 * refusal adds only its response (where the exchange does not count it) and its reason.
 */
class RefusedBodyCountTest {

    private static final Handler READS_THE_BODY = (req, res) -> req.body().thenAccept(b -> res.end("got " + b.length));
    @RegisterExtension
    final TestEngine server = new TestEngine();

    private static void assertOneRequestOne413(EngineStats stats) {
        assertEquals(1, stats.totalRequests(), "requests");
        assertEquals(1, stats.responses(4), "4xx responses");
        assertEquals(Map.of(413, 1L), stats.refusals());
    }

    @Test
    void onHttp1() {
        EngineSettings settings = Settings.defaults().maxRequestBodyBytes(1000).build();
        try (Wire wire = new Wire(Wire.route(READS_THE_BODY), settings, Runnable::run)) {
            // chunked: the length is not known from the head, so the request reaches its handler first
            String out = wire.send("POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4b0\r\n" + "x".repeat(1200) + "\r\n0\r\n\r\n");
            assertTrue(out.startsWith("HTTP/1.1 413 "), out);
            assertOneRequestOne413(wire.dispatcher.stats());
        }
    }

    @Test
    void onHttp2() throws Exception {
        EngineSettings settings = Settings.defaults().maxRequestBodyBytes(1000).build();
        InetSocketAddress at = server.start(settings, READS_THE_BODY);
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("POST", "/big"), false);
            w.data(1, new byte[600], false);
            w.data(1, new byte[600], false);
            assertEquals("413", w.response(1).status());
        }
        assertTrue(Conditions.within5s(() -> server.engine.stats().responses(4) >= 1));
        assertOneRequestOne413(server.engine.stats());
    }
}
