package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.api.ServerResponse;
import dev.spindle.host.internal.http.exchange.Response;

/** Every member of {@link ServerResponse}, with Node's error codes for misuse. */
class ServerResponseTest {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

    /**
     * Runs {@code body} as a handler on a fresh connection and returns the response bytes; what the
     * handler threw (a failed assertion among others) is thrown here, on the test thread.
     */
    private static String serve(Consumer<ServerResponse> body) {
        Thrown thrown = new Thrown();
        try (Wire wire = new Wire(thrown.around((req, res) -> body.accept(res)))) {
            String out = wire.send(GET);
            thrown.rethrow();
            return out;
        }
    }

    /**
     * What a handler threw. The Dispatcher answers a handler that throws with a 500, or cuts the
     * connection once the head is out, so an assertion failing inside a handler never reaches
     * JUnit by itself: wrap the handler with {@link #around} and call {@link #rethrow} once the
     * request was sent.
     */
    private static final class Thrown {

        private final AtomicReference<Throwable> first = new AtomicReference<>();

        /** {@code handler}, recording what it throws before the engine sees it. */
        Handler around(Handler handler) {
            return (req, res) -> {
                try {
                    handler.handle(req, res);
                } catch (Throwable t) {
                    first.compareAndSet(null, t);
                    throw t;
                }
            };
        }

        /** Throws what the handler threw, if it threw. */
        void rethrow() {
            Throwable t = first.get();
            if (t instanceof Error e) {
                throw e;
            }
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t != null) {
                fail("the handler threw", t);
            }
        }
    }

    private static void assertCode(String code, Executable call) {
        HttpException e = assertThrows(HttpException.class, call);
        assertEquals(code, e.code());
    }

    /** As Node: an empty list sends no line; each value of a list counts (a close among them closes). */
    @Test
    void listValuedHeadersAreMatchedValueByValue() {
        String out = serve(res -> {
            res.setHeader("X-Empty", List.of());
            res.end("x");
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && !out.contains("X-Empty"), out);

        Wire wire = new Wire((req, res) -> {
            res.setHeader("Connection", List.of("close", "keep-alive"));
            res.end("x");
        });
        String closing = wire.send(GET);
        assertTrue(closing.contains("\r\nConnection: close\r\nConnection: keep-alive\r\n"), closing);
        assertFalse(wire.open(), "Node closes after a response with Connection: close among its values");
        wire.close();
    }

    /** A header set as a long list goes out as one line per value, however many there are. */
    @Test
    void aHeaderWithManyValuesSendsALineForEach() {
        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            cookies.add("c" + i + "=v");
        }
        String out = serve(res -> {
            res.setHeader("Set-Cookie", cookies);
            res.end("x");
        });
        for (String c : cookies) {
            assertTrue(out.contains("\r\nSet-Cookie: " + c + "\r\n"), out);
        }
    }

    @Test
    void headerNamesAreCaseInsensitiveForReading() {
        String out = serve(res -> {
            res.setHeader("X-Custom-Thing", "Value-1");
            res.setHeader("Set-Cookie", List.of("k=v"));
            assertEquals("Value-1", res.getHeader("x-custom-thing"));
            assertTrue(res.hasHeader("X-CUSTOM-THING"));
            assertEquals(List.of("k=v"), res.getHeaderValues("SET-COOKIE"));
            assertNull(res.getHeader("x-missing"));
            assertEquals(List.of("x-custom-thing", "set-cookie"), res.getHeaderNames());
            assertEquals(Map.of("x-custom-thing", List.of("Value-1"), "set-cookie", List.of("k=v")), res.getHeaders());
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
    }

    @Test
    void appendHeaderKeepsEarlierValues() {
        String out = serve(res -> {
            res.setHeader("Vary", "Accept");
            res.appendHeader("vary", "Origin");
            assertEquals("Accept, Origin", res.getHeader("Vary"));
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.contains("Vary: Accept\r\nVary: Origin\r\n"), out);
    }

    @Test
    void removeHeaderForgetsTheHeader() {
        String out = serve(res -> {
            res.setHeader("X-Gone", "1");
            res.removeHeader("x-gone");
            assertFalse(res.hasHeader("X-Gone"));
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertFalse(out.contains("X-Gone"), out);
    }

    @Test
    void settersThrowHeadersSentOnceTheHeadIsFixed() {
        String out = serve(res -> {
            res.write("first");
            assertTrue(res.headersSent());
            assertCode(HttpException.ERR_HTTP_HEADERS_SENT, () -> res.setHeader("X-Late", "1"));
            assertCode(HttpException.ERR_HTTP_HEADERS_SENT, () -> res.appendHeader("X-Late", "1"));
            assertCode(HttpException.ERR_HTTP_HEADERS_SENT, () -> res.removeHeader("Content-Type"));
            assertCode(HttpException.ERR_HTTP_HEADERS_SENT, () -> res.writeHead(202));
            assertCode(HttpException.ERR_HTTP_HEADERS_SENT, res::writeContinue);
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("\r\n\r\n5\r\nfirst\r\n0\r\n\r\n"), out);
    }

    @Test
    void statusCodeAfterTheHeadChangesOnlyTheProperty() {
        String out = serve(res -> {
            res.write("a");
            res.statusCode(500);
            assertEquals(500, res.statusCode());
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("\r\n\r\n1\r\na\r\n0\r\n\r\n"), out);
    }

    @Test
    void invalidHeadersAreRefusedWithNodeCodes() {
        String out = serve(res -> {
            assertCode(HttpException.ERR_INVALID_CHAR, () -> res.setHeader("X-Bad", "a\r\nInjected: 1"));
            assertCode(HttpException.ERR_INVALID_CHAR, () -> res.setHeader("X-Bad", "nul\0"));
            assertCode(HttpException.ERR_INVALID_HTTP_TOKEN, () -> res.setHeader("Bad Name", "x"));
            assertCode(HttpException.ERR_INVALID_HTTP_TOKEN, () -> res.setHeader("", "x"));
            assertCode(HttpException.ERR_HTTP_INVALID_HEADER_VALUE, () -> res.setHeader("X-Null", (String) null));
            assertCode(HttpException.ERR_INVALID_HTTP_TOKEN, () -> res.addTrailers(Map.of("Bad Trailer", "x")));
            assertCode(HttpException.ERR_INVALID_CHAR, () -> res.addTrailers(Map.of("X-T", "a\nb")));
            assertFalse(res.hasHeader("X-Bad"));
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && !out.contains("X-Bad"), out);
    }

    @Test
    void invalidStatusAndReasonAreRefused() {
        String out = serve(res -> {
            assertCode(HttpException.ERR_HTTP_INVALID_STATUS_CODE, () -> res.writeHead(99));
            assertCode(HttpException.ERR_HTTP_INVALID_STATUS_CODE, () -> res.writeHead(1000));
            assertCode(HttpException.ERR_INVALID_CHAR, () -> res.writeHead(200, "OK\r\nX: y"));
            assertFalse(res.headersSent());
            res.statusMessage(null);
            res.statusCode(42);
            assertCode(HttpException.ERR_HTTP_INVALID_STATUS_CODE, () -> res.end("x"));
            res.statusCode(200);
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
    }

    @Test
    void nullChunksAndUnknownEncodingsAreRefused() {
        String out = serve(res -> {
            assertCode(HttpException.ERR_STREAM_NULL_VALUES, () -> res.write((String) null));
            assertCode(HttpException.ERR_UNKNOWN_ENCODING, () -> res.write("x", "klingon"));
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("\r\nContent-Length: 0\r\n\r\n"), out);
    }

    @Test
    void aTrailerHeaderOnHttp10IsInvalid() {
        Thrown thrown = new Thrown();
        try (Wire wire = new Wire(thrown.around((req, res) -> {
            assertCode(HttpException.ERR_HTTP_TRAILER_INVALID, () -> res.writeHead(200, Map.of("Trailer", "X-Sum")));
            res.end("ok");
        }))) {
            String out = wire.send("GET /x HTTP/1.0\r\n\r\n");
            thrown.rethrow();
            assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("\r\n\r\nok"), out);
        }
    }

    @Test
    void writeAfterEndReportsAsynchronouslyAndReturnsFalse() {
        List<String> seen = new ArrayList<>();
        AtomicReference<Boolean> ret = new AtomicReference<>();
        String out = serve(res -> {
            res.onError(e -> seen.add("event " + e.code()));
            res.end("done");
            ret.set(res.write("more", "utf8", e -> seen.add("callback " + e.code())));
            assertTrue(seen.isEmpty(), "never synchronous");
            res.end("again");
            res.end();
        });
        assertFalse(ret.get());
        assertEquals(List.of("callback ERR_STREAM_WRITE_AFTER_END", "event ERR_STREAM_WRITE_AFTER_END",
                "event ERR_STREAM_WRITE_AFTER_END"), seen);
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("Content-Length: 4\r\n\r\ndone"), out);
    }

    @Test
    void finishThenDoneFireAfterANormalEnd() {
        List<String> events = new ArrayList<>();
        serve(res -> {
            res.onFinish(() -> events.add("finish " + res.writableFinished()));
            res.onClose(() -> events.add("close"));
            res.onDone(o -> events.add("done " + o));
            res.end("ok");
            events.add("ended " + res.writableEnded() + " " + res.headersSent());
        });
        assertEquals(List.of("ended true true", "finish true", "done COMPLETED"), events);
    }

    @Test
    void closeThenDoneFireWhenTheClientGoesAway() {
        List<String> events = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onFinish(() -> events.add("finish"));
            res.onClose(() -> events.add("close " + res.writableEnded() + " " + res.writableFinished()));
            res.onDone(o -> events.add("done " + o));
            res.write("partial");
        });
        assertTrue(wire.send(GET).endsWith("7\r\npartial\r\n"));
        wire.ch.close();
        wire.output();
        assertEquals(List.of("close false false", "done CLIENT_ABORTED"), events);
        wire.close();
    }

    @Test
    void onDoneAddedLateStillRunsOnce() {
        List<Outcome> outcomes = new ArrayList<>();
        AtomicReference<ServerResponse> saved = new AtomicReference<>();
        Wire wire = new Wire((req, res) -> {
            saved.set(res);
            res.end();
        });
        wire.send(GET);
        saved.get().onDone(outcomes::add);
        wire.output();
        assertEquals(List.of(Outcome.COMPLETED), outcomes);
        wire.close();
    }

    @Test
    void writeReturnsFalseAboveTheHighWaterMarkAndDrainFollows() {
        List<String> events = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onDrain(() -> events.add("drain"));
            events.add("small " + res.write("x"));
            events.add("big " + res.write(new byte[Response.HIGH_WATER_MARK]));
        });
        String out = wire.send(GET);
        assertEquals(List.of("small true", "big false", "drain"), events);
        assertTrue(out.contains("4000\r\n"), "the 16 KiB chunk went out");
        wire.close();
    }

    @Test
    void writeContinueSendsAnInterimResponse() {
        Wire wire = new Wire((req, res) -> {
            res.writeContinue();
            res.end("after");
        });
        assertTrue(wire.send(GET).startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
        wire.close();
    }

    @Test
    void flushHeadersSendsTheHeadBeforeAnyBody() {
        Wire wire = new Wire((req, res) -> res.flushHeaders());
        String out = wire.send(GET);
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("Transfer-Encoding: chunked\r\n\r\n"), out);
        wire.close();
    }

    @Test
    void sendDateFalseLeavesDateOut() {
        String out = serve(res -> {
            assertTrue(res.sendDate());
            res.sendDate(false);
            res.end();
        });
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertFalse(out.contains("Date:"), out);
    }

    @Test
    void statusMessageDefaultsToNodesTableWhenTheHeadIsFixed() {
        String teapot = serve(res -> {
            assertNull(res.statusMessage());
            res.statusCode(418);
            res.end();
            assertEquals("I'm a Teapot", res.statusMessage());
        });
        assertTrue(teapot.startsWith("HTTP/1.1 418 I'm a Teapot\r\n"), teapot);
        String out = serve(res -> res.statusMessage("Fine").end());
        assertTrue(out.startsWith("HTTP/1.1 200 Fine\r\n"), out);
    }

    @Test
    void setTimeoutWithoutCallbackClosesTheConnection() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onDone(outcomes::add);
            res.setTimeout(1000, null);
        });
        wire.send(GET);
        // the embedded clock runs on real time plus the advances: keep a wide margin
        wire.advance(500);
        assertTrue(wire.open());
        wire.advance(600);
        assertEquals("", wire.output(), "Node destroys the socket: no response at all");
        assertFalse(wire.open());
        assertEquals(List.of(Outcome.TIMED_OUT), outcomes);
        wire.close();
    }

    @Test
    void setTimeoutCallbackMayAnswer() {
        Wire wire = new Wire((req, res) -> res.setTimeout(50, () -> {
            res.statusCode(503);
            res.end("slow");
        }));
        assertEquals("", wire.send(GET));
        wire.advance(60);
        assertTrue(wire.output().startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
        wire.close();
    }
}
