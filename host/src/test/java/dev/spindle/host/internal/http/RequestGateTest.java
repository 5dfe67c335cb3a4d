package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * What never reaches a handler, decided at once: heads that can never become valid (400), methods
 * the server does not take (501), and bodies over the limit (413), with the responses still owed
 * to earlier pipelined requests sent first, in order.
 */
class RequestGateTest {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

    private static EngineSettings settings(long maxRequestBodyBytes, Set<String> extraMethods) {
        return Settings.defaults().maxRequestBodyBytes(maxRequestBodyBytes).extraMethods(extraMethods).build();
    }

    private static int count(String out, String what) {
        int n = 0;
        for (int i = out.indexOf(what); i >= 0; i = out.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** No clock moves here: the refusal comes with the bytes that made it certain. */
    @ParameterizedTest
    @ValueSource(strings = {
        "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003", // a TLS ClientHello on the cleartext port
        "{\"jsonrpc\": \"2.0\"",
        "GET /x\r\n",
        "GET /x HTTP/1.1\n",
        "GET /x HTTP/1.1\r\nHost: t\n",
        "GET /x HTTP/1.1\r\nHost: t\r\n folded",
    })
    void aHeadThatCanNeverBeValidIsRefusedAtOnce(String start) {
        AtomicInteger called = new AtomicInteger();
        Wire wire = new Wire((req, res) -> {
            called.incrementAndGet();
            res.end();
        });
        String out = wire.send(start);
        assertEquals("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", out);
        assertFalse(wire.open(), "closed after the refusal");
        assertEquals(0, called.get());
        wire.close();
    }

    /**
     * The names the rules look at count in any spelling: the shared common ones and every other
     * case a client may send (the decoder notes them, the gate looks their values up).
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "GET /x HTTP/1.1\r\nhost: t\r\n\r\n|200 OK",
        "GET /x HTTP/1.1\r\nhOsT: t\r\n\r\n|200 OK",
        "GET /x HTTP/1.1\r\nX: y\r\n\r\n|400 Bad Request",
        "GET /x HTTP/1.1\r\nHost: t\r\nHOST: u\r\n\r\n|400 Bad Request",
        "GET /x HTTP/1.1\r\nhost: t\r\nhost: u\r\n\r\n|400 Bad Request",
        "GET /x HTTP/1.1\r\nHost: t\r\nEXPECT: 100-continue\r\n\r\n|100 Continue",
        "GET /x HTTP/1.1\r\nHost: t\r\nexpect: tea\r\n\r\n|417 Expectation Failed",
        "POST /x HTTP/1.1\r\nHost: t\r\nTRANSFER-ENCODING: gzip\r\n\r\n|400 Bad Request",
        "POST /x HTTP/1.1\r\nHost: t\r\ncOnTeNt-LeNgTh: 5000\r\n\r\n|413 Payload Too Large",
        "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\n\r\n|200 OK",
    })
    void theNamesTheRulesNeedCountInAnySpelling(String caseAndStatus) {
        String[] parts = caseAndStatus.split("\\|");
        Wire wire = new Wire(Wire.route((req, res) -> res.end("served")), settings(1000, Set.of()), Runnable::run);
        String out = wire.send(parts[0]);
        assertTrue(out.startsWith("HTTP/1.1 " + parts[1] + "\r\n"), parts[0] + " -> " + out);
        wire.close();
    }

    @Test
    void aMethodOutsideTheRegisteredSetGets501BeforeAnyHandler() {
        AtomicInteger called = new AtomicInteger();
        Wire wire = new Wire((req, res) -> {
            called.incrementAndGet();
            res.end("served " + req.method());
        });
        String out = wire.send("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals("HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n", out);
        assertFalse(wire.open());
        assertEquals(0, called.get(), "a handler for every method never sees an unknown one");
        wire.close();
    }

    @Test
    void everyMethodNodeKnowsIsServed() {
        for (String method : List.of("GET", "PROPFIND", "M-SEARCH", "QUERY", "PURGE", "MKCALENDAR")) {
            Wire wire = new Wire((req, res) -> res.end(req.method()));
            String out = wire.send(method + " /x HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), method + ": " + out);
            wire.close();
        }
    }

    @Test
    void extraMethodsAreServedWhenConfigured() {
        Wire wire = new Wire(Wire.route((req, res) -> res.end("served " + req.method())),
                settings(0, Set.of("BREW")), Runnable::run);
        String out = wire.send("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n");
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("served BREW"), out);
        assertTrue(wire.open());
        wire.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "G(E)T /x HTTP/1.1\r\nHost: t\r\n\r\n|400 Bad Request",
        "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n|501 Not Implemented",
        "GET /x HTTP/1.1\r\nHost: t\r\nX-A : b\r\n\r\n|400 Bad Request",
        "GET /x HTTP/1.1\r\n\r\n|400 Bad Request",
    })
    void responsesOwedToEarlierPipelinedRequestsGoOutBeforeTheRefusal(String bad) {
        String[] parts = bad.split("\\|");
        Wire wire = new Wire((req, res) -> res.end("ok"));
        String out = wire.send(GET + GET + parts[0] + GET);
        assertEquals(2, count(out, "HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.endsWith("\r\n\r\nok" + "HTTP/1.1 " + parts[1] + "\r\nConnection: close\r\n\r\n"), out);
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void aLongRequestLineAfterPipelinedRequestsGets414AfterTheirResponses() {
        Wire wire = new Wire((req, res) -> res.end("ok"));
        String out = wire.send(GET + "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: t\r\n\r\n");
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        assertTrue(out.endsWith("ok" + "HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n\r\n"), out);
        assertFalse(wire.open());
        wire.close();
    }

    /** A chunked body is held to maxRequestBodyBytes like a declared one. */
    @Test
    void aChunkedBodyOverTheLimitGets413AndTheHandlerSeesAborted() {
        List<String> events = new ArrayList<>();
        Wire wire = new Wire(Wire.route((req, res) -> {
            req.onAborted(() -> events.add("aborted"));
            res.onDone(o -> events.add("done " + o));
            req.body().whenComplete((b, e) -> {
                if (e == null) {
                    res.end("echo " + b.length);
                }
            });
        }), settings(1000, Set.of()), Runnable::run);
        StringBuilder post = new StringBuilder("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 100; i++) {
            post.append("3e8\r\n").append("x".repeat(1000)).append("\r\n");
        }
        post.append("0\r\n\r\n");
        String out = wire.send(post.toString());
        assertEquals("HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n", out);
        assertFalse(wire.open());
        assertEquals(List.of("aborted", "done CLIENT_ABORTED"), events);
        wire.close();
    }

    /** Once the response has started, a body crossing the limit can only end the connection. */
    @Test
    void aChunkedBodyOverTheLimitAfterTheResponseStartedClosesTheConnection() {
        List<String> events = new ArrayList<>();
        Wire wire = new Wire(Wire.route((req, res) -> {
            req.onAborted(() -> events.add("aborted"));
            res.onDone(o -> events.add("done " + o));
            req.onData(chunk -> res.write(new String(chunk, StandardCharsets.ISO_8859_1)));
            req.onEnd(res::end);
        }), settings(1000, Set.of()), Runnable::run);
        String head = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        String first = wire.send(head + "258\r\n" + "a".repeat(600) + "\r\n");
        assertTrue(first.startsWith("HTTP/1.1 200 OK\r\n") && first.contains("Transfer-Encoding: chunked"), first);
        String rest = wire.send("258\r\n" + "b".repeat(600) + "\r\n0\r\n\r\n");
        assertFalse(rest.contains("b"), "nothing past the limit is echoed: " + rest);
        assertFalse(rest.endsWith("0\r\n\r\n"), "the response is cut, not finished");
        assertFalse(wire.open());
        assertEquals(List.of("aborted", "done CLIENT_ABORTED"), events);
        wire.close();
    }

    @Test
    void aBodyWithinTheLimitIsServed() {
        Wire wire = new Wire(Wire.route((req, res) -> req.body().thenAccept(b -> res.end("got " + b.length))),
                settings(1000, Set.of()), Runnable::run);
        String out = wire.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3e8\r\n" + "x".repeat(1000) + "\r\n0\r\n\r\n");
        assertTrue(out.endsWith("got 1000"), out);
        assertTrue(wire.open());
        wire.close();
    }

    /** A refusal Netty's own parser makes waits for the responses owed, even when they come later. */
    @Test
    void aRefusalOfNettysWaitsForAResponseStillBeingMade() {
        List<Runnable> worker = new ArrayList<>();
        RouteTarget slow = new RouteTarget((req, res) -> res.end("slow"), 1, true, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(slow);
        Wire wire = new Wire((method, path) -> found, EngineSettings.defaults(), worker::add);
        String first = wire.send(GET + "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals("", first, "nothing before the owed response");
        assertTrue(wire.open(), "the connection waits for the response it owes");
        worker.forEach(Runnable::run);
        String out = wire.output();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n") && out.endsWith("slow"
                + "HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n\r\n"), out);
        assertFalse(wire.open());
        wire.close();
    }

    /** A head within the limits, arriving in pieces, is served however close to the limit it is. */
    @Test
    void aHeadJustWithinTheHeaderLimitArrivingInPiecesIsServed() {
        EngineSettings small = Settings.defaults().maxHeaderSize(1024).build();
        Wire wire = new Wire(Wire.route((req, res) -> res.end("ok " + req.headers().size())), small, Runnable::run);
        StringBuilder head = new StringBuilder("GET /x HTTP/1.1\r\nHost: t\r\n");
        int content = "Host: t".length();
        for (int i = 0; content + 50 <= 1010; i++) {
            String line = "X-Pad-" + (char) ('a' + i) + ": " + "v".repeat(40);
            head.append(line).append("\r\n");
            content += line.length();
        }
        head.append("\r\n");
        String all = head.toString();
        assertEquals("", wire.send(all.substring(0, 600)));
        String out = wire.send(all.substring(600));
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
        wire.close();
    }

    /** A response that ends before its request's body still lets the connection go idle after the body. */
    @Test
    void aConnectionAnsweredBeforeItsBodyEndedClosesWhenIdle() {
        Wire wire = new Wire((req, res) -> res.end("early"));
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhal");
        assertTrue(out.endsWith("early"), out);
        assertEquals("", wire.send("f done!"));
        assertTrue(wire.open());
        wire.advance(EngineSettings.defaults().keepAliveTimeoutMillis() + 500);
        assertFalse(wire.open(), "closed by the keep-alive timeout once the body was in");
        wire.close();
    }
}
