package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import io.netty.handler.codec.http2.Http2Headers;

/** HTTP/2 on the cleartext port (prior knowledge and {@code Upgrade: h2c}) over real sockets: Node's compatibility API. */
class Http2EngineTest {

    @RegisterExtension
    final TestEngine server = new TestEngine();

    private static List<String> names(Http2Headers h) {
        List<String> out = new java.util.ArrayList<>();
        h.forEach(e -> out.add(e.getKey().toString()));
        return out;
    }

    @Test
    void priorKnowledgeServesTheRequestWithNodesHttp2Head() throws Exception {
        InetSocketAddress at = server.start((req, res) -> {
            res.setHeader("Content-Type", "text/plain");
            res.setHeader("X-Custom", "a");
            res.end("httpVersion=" + req.httpVersion() + " url=" + req.url() + " method=" + req.method()
                    + " raw=" + req.rawHeaders().subList(0, 4));
        });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/x?q=1"), true);
            H2Wire.Response r = w.response(1);
            assertNotNull(r);
            assertEquals("200", r.status());
            assertEquals(List.of(":status", "content-type", "x-custom", "date"), names(r.heads.get(0)));
            assertEquals("httpVersion=2.0 url=/x?q=1 method=GET raw=[:method, GET, :path, /x?q=1]", r.text());
            assertTrue(r.ended);
        }
    }

    @Test
    void upgradeH2cServesTheFirstRequestAndLaterOnesOverHttp2() throws Exception {
        InetSocketAddress at = server.start((req, res) -> res.end("v" + req.httpVersion()));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI uri = URI.create("http://127.0.0.1:" + at.getPort() + "/up");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals("v2.0", r.body());
        }
        assertEquals(1, server.engine.openConnections());
    }

    @Test
    void connectionSpecificHeadersAreDroppedOrRefusedWithA500NeverAHang() throws Exception {
        LinkedBlockingQueue<String> codes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            res.setHeader(req.url().equals("/drop") ? "Connection" : "Transfer-Encoding", "x");
            try {
                res.end("body");
            } catch (HttpException e) {
                codes.add(e.code());
            }
        });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/drop"), true);
            H2Wire.Response dropped = w.response(1);
            assertEquals("200", dropped.status());
            assertEquals(List.of(":status", "date"), names(dropped.heads.get(0)));
            w.headers(3, H2Wire.request("GET", "/refuse"), true);
            H2Wire.Response refused = w.response(3);
            assertEquals("500", refused.status());
            assertEquals(HttpException.ERR_HTTP2_INVALID_CONNECTION_HEADERS, codes.poll(5, TimeUnit.SECONDS));
        }
    }

    /**
     * As Node's {@code Http2ServerResponse}: {@code statusMessage} reads {@code ""}, and setting it
     * or giving {@code writeHead} a reason phrase (even one HTTP/1.1 would refuse) is ignored; the
     * host notes it in the log once per handler, not per request.
     */
    @Test
    void statusMessageReadsEmptyAndAReasonPhraseIsIgnoredNotedOncePerHandler() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                dev.spindle.host.internal.http.h2.H2Connection.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try {
            InetSocketAddress at = server.start((req, res) -> {
                String initial = res.statusMessage();
                res.statusMessage("Custom");
                String set = res.statusMessage();
                res.writeHead(201, "Made\n", Map.of("x-a", "1"));
                res.end("initial=" + initial + "| set=" + set + "| head=" + res.statusMessage() + "|");
            });
            try (H2Wire w = H2Wire.open(at)) {
                for (int stream = 1; stream <= 3; stream += 2) {
                    w.headers(stream, H2Wire.request("GET", "/reason"), true);
                    H2Wire.Response r = w.response(stream);
                    assertEquals("201", r.status());
                    assertEquals(List.of(":status", "x-a", "date"), names(r.heads.get(0)));
                    assertEquals("initial=| set=| head=|", r.text());
                }
            }
            List<String> notes = log.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("status message")).toList();
            assertEquals(1, notes.size(), notes.toString());
            assertTrue(log.list.stream().noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)),
                    log.list.toString());
        } finally {
            logger.detachAppender(log);
            logger.setLevel(null);
        }
    }

    /**
     * The response's state getters ({@code headersSent}, {@code writableEnded},
     * {@code writableFinished}, {@code sendDate}, {@code statusCode}) read the same over HTTP/2 as
     * over HTTP/1.1 at each step, as in Node: {@code writableFinished} is false right after
     * {@code end()} and true from {@code 'finish'} on.
     */
    @Test
    void theResponsesStateGettersReadTheSameOverHttp2AsOverHttp11() throws Exception {
        LinkedBlockingQueue<String> traces = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            List<String> t = new java.util.ArrayList<>();
            java.util.function.Consumer<String> step = name -> t.add(name + " sent=" + res.headersSent() + " ended="
                    + res.writableEnded() + " finished=" + res.writableFinished() + " date=" + res.sendDate()
                    + " status=" + res.statusCode());
            step.accept("start");
            res.statusCode(202);
            res.sendDate(false);
            res.write("a");
            step.accept("written");
            res.onFinish(() -> step.accept("finish"));
            res.onDone(outcome -> {
                step.accept("done " + outcome);
                traces.add(String.join("; ", t));
            });
            res.end("b");
            step.accept("ended");
        });
        try (java.net.Socket s = new java.net.Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /h1 HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readNBytes(80), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 202 Accepted\r\n"), answer);
        }
        String overHttp11 = traces.poll(5, TimeUnit.SECONDS);
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/h2"), true);
            H2Wire.Response r = w.response(1);
            assertEquals("202", r.status());
            assertEquals(List.of(":status"), names(r.heads.get(0)));
            assertEquals("ab", r.text());
        }
        String overHttp2 = traces.poll(5, TimeUnit.SECONDS);
        assertEquals("start sent=false ended=false finished=false date=true status=200; "
                + "written sent=true ended=false finished=false date=false status=202; "
                + "ended sent=true ended=true finished=false date=false status=202; "
                + "finish sent=true ended=true finished=true date=false status=202; "
                + "done COMPLETED sent=true ended=true finished=true date=false status=202", overHttp11);
        assertEquals(overHttp11, overHttp2);
    }

    @Test
    void trailersGoOutAsATrailingHeadersFrameAndRequestTrailersArrive() throws Exception {
        InetSocketAddress at = server.start((req, res) -> req.body().thenAccept(body -> {
            res.writeHead(200, Map.of("Trailer", "X-Sum"));
            res.write(new String(body, StandardCharsets.UTF_8));
            res.addTrailers(Map.of("X-Sum", "s" + req.trailers().get("x-in")));
            res.end();
        }));
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("POST", "/t"), false);
            w.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false);
            w.headers(1, new io.netty.handler.codec.http2.DefaultHttp2Headers().add("x-in", "1"), true);
            H2Wire.Response r = w.response(1);
            assertEquals("abc", r.text());
            assertNotNull(r.trailers, "trailers");
            assertEquals("s1", r.trailers.get("x-sum").toString());
        }
    }

    @Test
    void writeReturnsFalseWhileTheClientsWindowIsShutAndDrainFollowsWhenItOpens() throws Exception {
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        int total = 256 * 1024;
        InetSocketAddress at = server.start((req, res) -> {
            int[] written = {0};
            Runnable more = new Runnable() {
                @Override
                public void run() {
                    while (written[0] < total) {
                        written[0] += 16 * 1024;
                        if (!res.write(new byte[16 * 1024])) {
                            events.add("false at " + written[0]);
                            return;
                        }
                    }
                    res.end();
                }
            };
            res.onDrain(() -> {
                events.add("drain");
                more.run();
            });
            more.run();
        });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/big"), true);
            int got = 0;
            while (got < 65_535) {
                H2Wire.Frame f = w.read();
                if (f.type() == H2Wire.DATA) {
                    got += f.payload().length;
                }
            }
            assertEquals(65_535, got, "the stream's initial window, not a byte more");
            assertTrue(!w.drain(300).containsKey(H2Wire.DATA), "nothing beyond the window");
            events.clear();
            assertTrue(!events.contains("drain"));
            w.socket.setSoTimeout(5000);
            w.windowUpdate(0, 1 << 20);
            w.windowUpdate(1, 1 << 20);
            H2Wire.Response rest = w.response(1);
            assertTrue(rest.ended);
            assertEquals(total - 65_535, rest.body.size());
            assertTrue(events.contains("drain"), events.toString());
        }
    }

    /**
     * The request limits hold on HTTP/2 as on HTTP/1.1: a body over {@code maxRequestBodyBytes}
     * gets {@code 413}, a body not complete within {@code requestTimeoutMillis} gets {@code 408};
     * the handler hears {@code onAborted}, {@code onDone} says why, and the connection serves on.
     */
    @Test
    void aBodyOverTheLimitGets413AndOneTooSlowGets408() throws Exception {
        LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start(Settings.defaults().maxRequestBodyBytes(1000).requestTimeoutMillis(300).build(),
                (req, res) -> {
                    req.onAborted(() -> heard.add("aborted " + req.url()));
                    res.onDone(outcome -> heard.add(outcome + " " + req.url()));
                    req.body().thenAccept(body -> res.end("got " + body.length));
                });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("POST", "/big"), false);
            w.data(1, new byte[600], false);
            w.data(1, new byte[600], false);
            assertEquals("413", w.response(1).status());
            w.headers(3, H2Wire.request("POST", "/slow"), false);
            w.data(3, new byte[10], false);
            assertEquals("408", w.response(3).status());
            w.headers(5, H2Wire.request("POST", "/fine"), false);
            w.data(5, new byte[900], true);
            H2Wire.Response fine = w.response(5);
            assertEquals("200", fine.status());
            assertEquals("got 900", fine.text());
        }
        java.util.Set<String> expected = java.util.Set.of("aborted /big", "CLIENT_ABORTED /big", "aborted /slow",
                "TIMED_OUT /slow", "COMPLETED /fine");
        java.util.Set<String> got = new java.util.HashSet<>();
        while (got.size() < expected.size()) {
            String h = heard.poll(5, TimeUnit.SECONDS);
            assertNotNull(h, "heard only " + got);
            got.add(h);
        }
        assertEquals(expected, got);
    }

    @Test
    void aClientResetEndsTheExchangeWithClientAborted() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            res.onDone(outcomes::add);
            res.write("partial");
        });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/abort"), true);
            w.rst(1, 0x8);
            assertEquals(Outcome.CLIENT_ABORTED, outcomes.poll(5, TimeUnit.SECONDS));
        }
    }
}
