package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.spindle.api.IncomingMessage;
import dev.spindle.api.Outcome;
import dev.spindle.api.ServerResponse;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.exchange.Request;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;

/** Connection-level rules: the request side, pipelining, keep-alive, refusals and failing handlers. */
class ConnectionTest {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

    @Test
    void requestHeadIsExposedAsNodeDoes() {
        AtomicReference<IncomingMessage> seen = new AtomicReference<>();
        Wire wire = new Wire((req, res) -> {
            seen.set(req);
            res.end();
        });
        wire.send("GET /p/a%20b?q=1&r HTTP/1.1\r\nHost: t\r\nX-Dup: first\r\nUser-Agent: a\r\nx-dup: second\r\n"
                + "Cookie: a=1\r\ncookie: b=2\r\nUser-Agent: b\r\nX-Spaces:   padded  \r\n\r\n");
        IncomingMessage req = seen.get();
        assertEquals("GET", req.method());
        assertEquals("/p/a%20b?q=1&r", req.url());
        assertEquals("/p/a%20b", req.path());
        assertEquals("1.1", req.httpVersion());
        assertEquals(List.of("Host", "t", "X-Dup", "first", "User-Agent", "a", "x-dup", "second", "Cookie", "a=1",
                "cookie", "b=2", "User-Agent", "b", "X-Spaces", "padded"), req.rawHeaders());
        assertEquals("first, second", req.headers().get("x-dup"));
        assertEquals("a=1; b=2", req.headers().get("cookie"));
        assertEquals("a", req.header("User-Agent"));
        assertEquals(List.of("a", "b"), req.headersDistinct().get("user-agent"));
        assertEquals(List.of("host", "x-dup", "user-agent", "cookie", "x-spaces"), List.copyOf(req.headers().keySet()));
        wire.close();
    }

    @Test
    void bodyStreamsToDataListenersThenEnds() {
        List<String> events = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            req.onData(chunk -> events.add("data " + new String(chunk, StandardCharsets.UTF_8)));
            req.onEnd(() -> {
                events.add("end " + req.trailers());
                res.end();
            });
        });
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: v\r\n\r\n");
        assertEquals(List.of("data hello", "data  world", "end {x-t=v}"), events);
        assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
        wire.close();
    }

    @Test
    void bodyCollectsTheWholeBody() {
        Wire wire = new Wire((req, res) -> req.body().thenAccept(b -> res.end(b.length + ":" + new String(b, StandardCharsets.UTF_8))));
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 13\r\n\r\nhello, server");
        assertTrue(out.endsWith("\r\n\r\n13:hello, server"), out);
        wire.close();
    }

    @Test
    void bodyLargerThanTheLimitFails() {
        EngineSettings small = Settings.defaults().maxBodyBytes(4).build();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Wire wire = new Wire(Wire.route((req, res) -> req.body().whenComplete((b, e) -> {
            failure.set(e);
            res.statusCode(413).end();
        })), small, Runnable::run);
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
        assertTrue(out.startsWith("HTTP/1.1 413 Payload Too Large"), out);
        assertEquals("ERR_SPINDLE_BODY_TOO_LARGE", ((dev.spindle.api.HttpException) failure.get()).code());
        wire.close();
    }

    @Test
    void pauseStopsReadingAndResumeContinues() {
        AtomicReference<IncomingMessage> seen = new AtomicReference<>();
        List<String> data = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            seen.set(req);
            req.pause();
            req.onData(c -> data.add(new String(c, StandardCharsets.UTF_8)));
            req.onEnd(res::end);
        });
        wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nabc");
        assertTrue(seen.get().isPaused());
        assertEquals(List.of(), data);
        assertFalse(wire.ch.config().isAutoRead(), "a paused body stops reading");
        seen.get().resume();
        assertEquals("", wire.output());
        assertEquals(List.of("abc"), data);
        assertTrue(wire.ch.config().isAutoRead());
        String out = wire.send("def");
        assertEquals(List.of("abc", "def"), data);
        assertTrue(out.startsWith("HTTP/1.1 200 OK"), out);
        wire.close();
    }

    @Test
    void anUnreadBodyIsDiscardedAndTheConnectionStaysUsable() {
        Wire wire = new Wire((req, res) -> res.end("not read"));
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nignore this" + GET);
        assertEquals(2, out.split("HTTP/1.1 200 OK").length - 1, out);
        assertTrue(wire.open());
        wire.close();
    }

    @Test
    void pipelinedResponsesGoOutInRequestOrder() {
        List<ServerResponse> held = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            if (req.url().equals("/1")) {
                held.add(res);
            } else {
                res.end(req.url());
            }
        });
        assertEquals("", wire.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n"));
        held.get(0).end("/1");
        String out = wire.output();
        assertTrue(out.indexOf("\r\n\r\n/1") < out.indexOf("\r\n\r\n/2") && out.contains("/2"), out);
        wire.close();
    }

    /** Pipelined requests answered in one flush are counted once per run, and every one is counted. */
    @Test
    void pipelinedResponsesAreAllCountedForTheServerAndTheHandler() {
        RouteTarget hello = new RouteTarget((req, res) -> {
            res.statusCode(req.url().equals("/missing") ? 404 : 200);
            res.end("x");
        }, 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(hello);
        Wire wire = new Wire((method, path) -> found, EngineSettings.defaults(), Runnable::run);
        String get = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n";
        String out = wire.send(get + get + "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n" + get);
        assertEquals(4, out.split("HTTP/1.1 ").length - 1, out);
        assertEquals(4, wire.dispatcher.totalRequests());
        assertEquals(3, wire.dispatcher.stats().responses(2));
        assertEquals(1, wire.dispatcher.stats().responses(4));
        assertEquals(4, hello.totalRequests());
        assertEquals(0, hello.inFlight());
        assertEquals(3, hello.responses(2));
        assertEquals(1, hello.responses(4));
        assertTrue(hello.latencyMillis(50) >= 0, "latency recorded");
        wire.close();
    }

    /** Pipelined requests of several methods in one read are counted by method, every status class too. */
    @Test
    void pipelinedResponsesAreCountedByMethodAndStatusClass() {
        RouteTarget target = new RouteTarget((req, res) -> {
            res.statusCode(req.url().equals("/moved") ? 302 : 200);
            res.end();
        }, 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        Wire wire = new Wire((method, path) -> found, EngineSettings.defaults(), Runnable::run);
        String get = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n";
        String post = "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n";
        String out = wire.send(get + post + post + get + "GET /moved HTTP/1.1\r\nHost: t\r\n\r\n"
                + "MKCOL /a HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals(6, out.split("HTTP/1.1 ").length - 1, out);
        assertEquals(2, target.responses(RequestMethod.GET, 2));
        assertEquals(1, target.responses(RequestMethod.GET, 3), "a redirect is a response");
        assertEquals(2, target.responses(RequestMethod.POST, 2));
        assertEquals(1, target.responses(RequestMethod.OTHER, 2), "MKCOL");
        assertEquals(5, target.responses(2));
        assertEquals(1, target.responses(3));
        assertEquals(1, wire.dispatcher.stats().responses(3));
        wire.close();
    }

    /** The keep-alive timeout also starts after a response written later, outside the read that brought its request. */
    @Test
    void idleKeepAliveConnectionsCloseAfterALateResponseToo() {
        List<ServerResponse> held = new ArrayList<>();
        Wire wire = new Wire((req, res) -> held.add(res));
        assertEquals("", wire.send(GET));
        wire.advance(10_000); // the handler is still working: no idle timeout while a request is open
        assertTrue(wire.open());
        held.get(0).end("late");
        assertTrue(wire.output().endsWith("late"));
        wire.advance(4000);
        assertTrue(wire.open());
        wire.advance(1100);
        assertFalse(wire.open(), "an idle keep-alive connection must close after keepAliveTimeoutMillis");
        wire.close();
    }

    @Test
    void idleKeepAliveConnectionsCloseAfterTheTimeout() {
        Wire wire = new Wire((req, res) -> res.end());
        wire.send(GET);
        wire.advance(4000);
        assertTrue(wire.open());
        wire.advance(1100);
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void unknownPathsGet404AndWrongMethods405() {
        RouteTarget target = new RouteTarget((req, res) -> res.end("ok"), 1, false, false);
        HandlerResolver resolver = (method, path) -> !path.equals("/known") ? HandlerResolver.Resolution.notFound()
                : method.equals("GET") ? HandlerResolver.Resolution.found(target)
                : HandlerResolver.Resolution.methodNotAllowed("GET");
        Wire wire = new Wire(resolver, EngineSettings.defaults(), Runnable::run);
        String out = wire.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
        assertTrue(out.startsWith("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"), out);
        out = wire.send("POST /known HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
        assertTrue(out.startsWith("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n"), out);
        assertTrue(wire.send("GET /known HTTP/1.1\r\nHost: t\r\n\r\n").endsWith("\r\n\r\nok"));
        wire.close();
    }

    @Test
    void anUnknownExpectationGets417WithoutCallingTheHandler() {
        AtomicInteger calls = new AtomicInteger();
        Wire wire = new Wire((req, res) -> {
            calls.incrementAndGet();
            res.end();
        });
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nExpect: x-thing\r\nContent-Length: 5\r\n\r\nhello");
        assertTrue(out.startsWith("HTTP/1.1 417 Expectation Failed\r\n"), out);
        assertEquals(0, calls.get());
        assertTrue(wire.open());
        wire.close();
    }

    @Test
    void expectContinueIsAnsweredBeforeTheHandlerRuns() {
        Wire wire = new Wire((req, res) -> req.body().thenAccept(b -> res.end(new String(b, StandardCharsets.UTF_8))));
        String out = wire.send("POST /x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", out);
        assertTrue(wire.send("body").endsWith("\r\n\r\nbody"));
        wire.close();
    }

    @Test
    void http11WithoutHostIsRefused() {
        Wire wire = new Wire((req, res) -> res.end());
        assertEquals("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", wire.send("GET / HTTP/1.1\r\n\r\n"));
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void oversizedHeadersGet431AndLongLines414() {
        Wire wire = new Wire((req, res) -> res.end());
        String big = "x".repeat(20000);
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
                wire.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n"));
        assertFalse(wire.open());
        wire.close();
        wire = new Wire((req, res) -> res.end());
        assertEquals("HTTP/1.1 414 URI Too Long\r\nConnection: close\r\n\r\n",
                wire.send("GET /" + big + " HTTP/1.1\r\nHost: t\r\n\r\n"));
        wire.close();
    }

    @Test
    void malformedRequestLineGets400() {
        Wire wire = new Wire((req, res) -> res.end());
        String out = wire.send("NOT A REQUEST\r\n\r\n");
        assertTrue(out.startsWith("HTTP/1.1 400 Bad Request\r\n"), out);
        wire.close();
    }

    @Test
    void aHandlerThrowingBeforeWritingGetsA500AndTheConnectionStaysUsable() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onDone(outcomes::add);
            if (req.url().equals("/boom")) {
                res.setHeader("X-Before-Throw", "1");
                throw new IllegalStateException("secret detail");
            }
            res.end("fine");
        });
        String out = wire.send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
                + "Date: <DATE>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nInternal Server Error", out);
        assertTrue(wire.send(GET).endsWith("fine"));
        assertEquals(List.of(Outcome.HANDLER_FAILED, Outcome.COMPLETED), outcomes);
        wire.close();
    }

    @Test
    void aHandlerThrowingAfterWritingTruncatesAndCloses() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onDone(outcomes::add);
            res.write("partial");
            throw new IllegalStateException("boom");
        });
        String out = wire.send(GET);
        assertTrue(out.endsWith("7\r\npartial\r\n"), out);
        assertFalse(wire.open());
        assertEquals(List.of(Outcome.HANDLER_FAILED), outcomes);
        wire.close();
    }

    @Test
    void aThrowingListenerDoesNotDisturbTheConnection() {
        Wire wire = new Wire((req, res) -> {
            res.onFinish(() -> {
                throw new IllegalStateException("listener bug");
            });
            res.end("ok");
        });
        assertTrue(wire.send(GET).endsWith("ok"));
        assertTrue(wire.send(GET).endsWith("ok"));
        wire.close();
    }

    private static EngineSettings settings(int maxConnections, long responseTimeoutMillis) {
        return Settings.defaults().maxBodyBytes(1 << 20).responseTimeoutMillis(responseTimeoutMillis)
                .maxConnections(maxConnections).build();
    }

    @Test
    void aHeadNotCompleteInTimeGets408() {
        Wire wire = new Wire((req, res) -> res.end());
        assertEquals("", wire.send("GET /slow HTTP/1.1\r\nHost: t\r\nX-A: "));
        wire.advance(59_000);
        assertTrue(wire.open());
        wire.advance(2_000);
        assertEquals("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", wire.output());
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void anIdleConnectionWithoutARequestClosesSilently() {
        Wire wire = new Wire((req, res) -> res.end());
        wire.advance(61_000);
        assertEquals("", wire.output());
        assertFalse(wire.open());
        wire.close();
    }

    @Test
    void connectionsBeyondTheLimitGet503AndExistingOnesKeepWorking() {
        Dispatcher shared = new Dispatcher(Wire.route((req, res) -> res.end("ok")), Runnable::run);
        Wire first = new Wire(shared, settings(1, 0));
        Wire second = new Wire(shared, settings(1, 0));
        assertEquals("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n", second.output());
        assertFalse(second.open());
        assertTrue(first.send(GET).endsWith("ok"));
        first.close();
        second.close();
    }

    @Test
    void aHandlerThatNeverAnswersGets503AfterTheResponseTimeout() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire(Wire.route((req, res) -> res.onDone(outcomes::add)), settings(100, 1000), Runnable::run);
        assertEquals("", wire.send(GET));
        wire.advance(1001);
        String out = wire.output();
        assertTrue(out.startsWith("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"), out);
        assertTrue(out.contains("\r\nConnection: close\r\n"), out);
        assertFalse(wire.open());
        assertEquals(List.of(Outcome.TIMED_OUT), outcomes);
        wire.close();
    }

    @Test
    void aHandlerThatStartedAndStalledIsCutOffAfterTheResponseTimeout() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire(Wire.route((req, res) -> {
            res.onDone(outcomes::add);
            res.write("partial");
        }), settings(100, 1000), Runnable::run);
        assertTrue(wire.send(GET).endsWith("7\r\npartial\r\n"));
        wire.advance(1001);
        assertEquals("", wire.output(), "the cut adds nothing: no last chunk, no 503");
        assertFalse(wire.open());
        assertEquals(List.of(Outcome.TIMED_OUT), outcomes);
        wire.close();
    }

    @Test
    void aBodyNotCompleteWithinTheRequestTimeoutGets408() {
        List<Outcome> outcomes = new ArrayList<>();
        Wire wire = new Wire((req, res) -> {
            res.onDone(outcomes::add);
            req.body().thenAccept(b -> res.end("got it"));
        });
        assertEquals("", wire.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf"));
        wire.advance(299_000);
        assertTrue(wire.open());
        wire.advance(2_000);
        assertEquals("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", wire.output());
        assertFalse(wire.open());
        assertEquals(List.of(Outcome.TIMED_OUT), outcomes);
        wire.close();
    }
}
