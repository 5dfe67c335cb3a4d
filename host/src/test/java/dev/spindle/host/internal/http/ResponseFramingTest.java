package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Node's framing rules as a truth table: request version and method, what the handler does, and
 * the exact bytes Node sends for it (captured from Node 20 with the conformance probe).
 */
class ResponseFramingTest {

    private static final String GET11 = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String HEAD11 = "HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String GET10 = "GET /x HTTP/1.0\r\n\r\n";
    private static final String GET10_KEEP_ALIVE = "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    private static final String GET11_CLOSE = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    private static final String KEEP = "Date: <DATE>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

    static Stream<Arguments> table() {
        return Stream.of(
            row("endAloneDecidesTheBodySoContentLengthIsComputed", GET11,
                (req, res) -> res.end("hello"),
                "HTTP/1.1 200 OK\r\n" + KEEP + "Content-Length: 5\r\n\r\nhello", true),
            row("writeBeforeEndMakesTheResponseChunked", GET11,
                (req, res) -> { res.write("hello "); res.end("world"); },
                "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", true),
            row("writeHeadFixesTheHeadSoEndDataIsChunked", GET11,
                (req, res) -> { res.writeHead(201, Map.of("X-A", "1")); res.end("created"); },
                "HTTP/1.1 201 Created\r\nX-A: 1\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n7\r\ncreated\r\n0\r\n\r\n", true),
            row("emptyEndGivesContentLengthZero", GET11,
                (req, res) -> res.end(),
                "HTTP/1.1 200 OK\r\n" + KEEP + "Content-Length: 0\r\n\r\n", true),
            row("explicitContentLengthIsNeverChunked", GET11,
                (req, res) -> { res.setHeader("Content-Length", 4); res.write("ab"); res.end("cd"); },
                "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n" + KEEP + "\r\nabcd", true),
            row("headGetsNoComputedContentLengthAndNoBody", HEAD11,
                (req, res) -> res.end("hello world"),
                "HTTP/1.1 200 OK\r\n" + KEEP + "\r\n", true),
            row("headKeepsAnExplicitContentLength", HEAD11,
                (req, res) -> { res.setHeader("Content-Length", "11"); res.end("hello world"); },
                "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n" + KEEP + "\r\n", true),
            row("noContentHasNoFramingAndDropsTheBody", GET11,
                (req, res) -> { res.statusCode(204); res.end("ignored"); },
                "HTTP/1.1 204 No Content\r\n" + KEEP + "\r\n", true),
            row("notModifiedHasNoFramingAndDropsTheBody", GET11,
                (req, res) -> { res.writeHead(304, Map.of("ETag", "\"v1\"")); res.end("ignored"); },
                "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n" + KEEP + "\r\n", true),
            row("trailersFollowTheLastChunk", GET11,
                (req, res) -> {
                    res.writeHead(200, Map.of("Trailer", "X-Sum"));
                    res.write("data");
                    res.addTrailers(Map.of("X-Sum", "abc"));
                    res.end();
                },
                "HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n4\r\ndata\r\n0\r\nX-Sum: abc\r\n\r\n", true),
            row("aTrailerHeaderRulesOutContentLength", GET11,
                (req, res) -> { res.setHeader("Trailer", "X-C"); res.addTrailers(Map.of("X-C", "1")); res.end("one"); },
                "HTTP/1.1 200 OK\r\nTrailer: X-C\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\nX-C: 1\r\n\r\n", true),
            row("http10GetsNoFramingAndTheConnectionCloses", GET10,
                (req, res) -> res.end("bye"),
                "HTTP/1.1 200 OK\r\nDate: <DATE>\r\nConnection: close\r\n\r\nbye", false),
            row("trailersAreDroppedForHttp10", GET10,
                (req, res) -> { res.write("data"); res.addTrailers(Map.of("X-Sum", "abc")); res.end(); },
                "HTTP/1.1 200 OK\r\nDate: <DATE>\r\nConnection: close\r\n\r\ndata", false),
            row("http10KeepAliveNeedsAnExplicitContentLength", GET10_KEEP_ALIVE,
                (req, res) -> { res.setHeader("Content-Length", "2"); res.end("ka"); },
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + KEEP + "\r\nka", true),
            row("http10KeepAliveWithoutLengthIsRefused", GET10_KEEP_ALIVE,
                (req, res) -> res.end("no length"),
                "HTTP/1.1 200 OK\r\nDate: <DATE>\r\nConnection: close\r\n\r\nno length", false),
            row("connectionCloseFromTheClientIsHonoured", GET11_CLOSE,
                (req, res) -> res.end("closing"),
                "HTTP/1.1 200 OK\r\nDate: <DATE>\r\nConnection: close\r\nContent-Length: 7\r\n\r\nclosing", false),
            row("removingDateTurnsItOff", GET11,
                (req, res) -> { res.removeHeader("Date"); res.end(); },
                "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n", true),
            row("removingContentLengthFallsBackToChunked", GET11,
                (req, res) -> { res.removeHeader("Content-Length"); res.end("x"); },
                "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", true),
            row("setHeaderArraySendsOneLinePerValue", GET11,
                (req, res) -> { res.setHeader("Set-Cookie", List.of("a=1", "b=2")); res.end(); },
                "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n" + KEEP + "Content-Length: 0\r\n\r\n", true),
            row("unknownStatusGetsReasonUnknown", GET11,
                (req, res) -> { res.statusCode(599); res.end(); },
                "HTTP/1.1 599 unknown\r\n" + KEEP + "Content-Length: 0\r\n\r\n", true),
            row("customReasonPhraseIsSent", GET11,
                (req, res) -> { res.writeHead(418, "Short And Stout"); res.end(); },
                "HTTP/1.1 418 Short And Stout\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true),
            row("headerNamesKeepTheCaseGiven", GET11,
                (req, res) -> { res.setHeader("x-lower", "1"); res.setHeader("X-UPPER", "2"); res.end(); },
                "HTTP/1.1 200 OK\r\nx-lower: 1\r\nX-UPPER: 2\r\n" + KEEP + "Content-Length: 0\r\n\r\n", true),
            row("emptyWriteSendsTheHeadOnly", GET11,
                (req, res) -> { res.write(""); res.end(); },
                "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true),
            row("encodingsFollowNode", GET11,
                (req, res) -> { res.write("caf\u00e9", "latin1"); res.write("2178", "hex"); res.end("IQ==", "base64"); },
                "HTTP/1.1 200 OK\r\n" + KEEP + "Transfer-Encoding: chunked\r\n\r\n4\r\ncaf\u00e9\r\n2\r\n!x\r\n1\r\n!\r\n0\r\n\r\n", true));
    }

    private static Arguments row(String name, String request, Handler handler, String expected, boolean staysOpen) {
        return Arguments.of(name, request, handler, expected, staysOpen);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void framingFollowsNode(String name, String request, Handler handler, String expected, boolean staysOpen) {
        Wire wire = new Wire(handler);
        assertEquals(expected, wire.send(request));
        assertEquals(staysOpen, wire.open(), "connection open after the response");
        assertFalse(wire.ch.finishAndReleaseAll());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void framingIsTheSameFromAnotherThread(String name, String request, Handler handler, String expected,
            boolean staysOpen) throws Exception {
        // the handler runs on a worker thread; its calls hop to the event loop in order
        java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            RouteTarget target = new RouteTarget(handler, 1, true, false);
            HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
            Wire wire = new Wire((m, p) -> found, EngineSettings.defaults(), worker);
            wire.ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer(request, java.nio.charset.StandardCharsets.ISO_8859_1));
            worker.submit(() -> { }).get();
            assertEquals(expected, wire.output());
            assertFalse(wire.ch.finishAndReleaseAll());
        } finally {
            worker.shutdownNow();
        }
    }
}
