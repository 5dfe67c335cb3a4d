package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.http.connection.EngineSettings;

/**
 * Node's keep-alive rules from its own test suite (test-http-remove-header-stays-removed,
 * test-http-keep-alive-timeout-custom): a body delimited by the connection's end closes it, and a
 * handler's own {@code Keep-Alive} header replaces the automatic one. Both are also in the
 * project's differential scenarios against Node.
 */
class KeepAliveRulesTest {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String KEEP = "Date: <DATE>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

    @Test
    void aStreamedBodyWithoutFramingClosesTheConnectionAfterIt() {
        Wire wire = new Wire((req, res) -> {
            res.removeHeader("Transfer-Encoding");
            res.write("first ");
            res.end("second");
        });
        String out = wire.send(GET + GET);
        assertEquals("HTTP/1.1 200 OK\r\n" + KEEP + "\r\nfirst second", out, "the pipelined request is not answered");
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void aWholeBodyWithBothFramingHeadersRemovedClosesTheConnectionAfterIt() {
        Wire wire = new Wire((req, res) -> {
            res.removeHeader("Content-Length");
            res.removeHeader("Transfer-Encoding");
            res.end("whole");
        });
        String out = wire.send(GET + GET);
        assertEquals("HTTP/1.1 200 OK\r\n" + KEEP + "\r\nwhole", out);
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void aKeepAliveHeaderOfTheHandlerReplacesTheAutomaticOne() {
        Wire wire = new Wire((req, res) -> {
            res.setHeader("Keep-Alive", "timeout=7, max=3");
            res.end("ka");
        });
        String one = "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=7, max=3\r\nDate: <DATE>\r\nConnection: keep-alive\r\n"
                + "Content-Length: 2\r\n\r\nka";
        assertEquals(one + one, wire.send(GET + GET));
        assertTrue(wire.open());
        wire.close();
    }

    /** Node writes whole seconds: {@code Math.floor(keepAliveTimeout / 1000)}. */
    /**
     * Once the server begins to stop, a request on an open connection is answered as its last,
     * even if the connection has not yet been told (its shutdown task still queued on its loop):
     * the client that saw the port refused and sends anyway learns from the response itself.
     */
    @Test
    void aRequestAfterTheServerBeganToStopIsAnsweredAsTheConnectionsLast() {
        Wire wire = new Wire((req, res) -> res.end("ok"));
        assertTrue(wire.send(GET).contains("\r\nConnection: keep-alive\r\n"));
        wire.dispatcher.stop();
        String out = wire.send(GET);
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.contains("\r\nConnection: close\r\n")
                && out.endsWith("\r\n\r\nok"), out);
        assertFalse(wire.open(), "closed after it");
        wire.close();
    }

    @Test
    void theAutomaticKeepAliveTimeoutIsInWholeSeconds() {
        EngineSettings twoAndAHalf = Settings.defaults().keepAliveTimeoutMillis(2500).build();
        Wire wire = new Wire(Wire.route((req, res) -> res.end("x")), twoAndAHalf, Runnable::run);
        String out = wire.send(GET);
        assertTrue(out.contains("\r\nKeep-Alive: timeout=2\r\n"), out);
        wire.close();
    }
}
