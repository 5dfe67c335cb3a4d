package dev.spindle.host.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.HostProbe;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.Registration;
import dev.spindle.host.internal.router.Whiteboard;
import io.netty.util.concurrent.EventExecutor;

/**
 * The admin listener over real sockets, beside a real engine with a handler on the whiteboard:
 * each health state with its status and reason, the metrics of the traffic sent, the formats.
 */
class AdminListenerTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final Whiteboard whiteboard = new Whiteboard();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicReference<List<String>> deployProblems = new AtomicReference<>(List.of());
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private HttpEngine engine;
    private AdminListener admin;
    private volatile ServerProbe probe;

    @BeforeEach
    void start() throws InterruptedException {
        whiteboard.add(Registration.of((req, res) -> res.end("hi"), Map.of("service.id", 7L, Handler.ROUTE, "/hi"),
                3, "com.example.hi"));
        engine = new HttpEngine(EngineSettings.defaults(), whiteboard, workers, "nio", 2);
        engine.start("127.0.0.1", 0);
        probe = new HostProbe(() -> engine, stopping::get, whiteboard, () -> 0);
        Health health = new Health(() -> probe, deployProblems::get, 300);
        admin = new AdminListener("127.0.0.1", 0, new AdminHandler(health, new Metrics(() -> probe, null)));
    }

    @AfterEach
    void stop() {
        admin.close();
        engine.close();
        workers.shutdownNow();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                .timeout(Duration.ofSeconds(5));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> serve(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.address().getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyWhileListeningWithEveryCheckPassing() throws Exception {
        HttpResponse<String> r = get("/health/ready");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        assertTrue(r.body().startsWith("{\"status\":\"UP\""), r.body());
        assertTrue(r.body().contains("\"listening\":{\"ok\":true,\"detail\":\"127.0.0.1:" + engine.address().getPort()), r.body());
    }

    @Test
    void notReadyOnceTheServerBeginsToStop() throws Exception {
        stopping.set(true);
        HttpResponse<String> r = get("/health/ready");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"notStopping\":{\"ok\":false,\"detail\":\"the server is shutting down\"}"), r.body());
    }

    @Test
    void notReadyWithoutAServer() throws Exception {
        probe = null;
        HttpResponse<String> r = get("/health/ready");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"listening\":{\"ok\":false,\"detail\":\"the server is not running\"}"), r.body());
    }

    @Test
    void notReadyWhileADeployedBundleIsNotActive() throws Exception {
        deployProblems.set(List.of("deploy/broken.jar: installed but not resolved"));
        HttpResponse<String> r = get("/health/ready");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"deployedBundles\":{\"ok\":false,\"detail\":[\"deploy/broken.jar: installed but not resolved\"]}"),
                r.body());
    }

    @Test
    void notReadyWhileARouteWaitsForItsReplacementHandler() throws Exception {
        whiteboard.timeouts(60_000, 1000);
        whiteboard.remove(7, false); // an update: the route waits for the new handler
        HttpResponse<String> r = get("/health/ready");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"noRouteInGrace\":{\"ok\":false,\"detail\":[\"/hi waits for a replacement handler\"]}"),
                r.body());
        whiteboard.add(Registration.of((req, res) -> res.end("hi 2"), Map.of("service.id", 8L, Handler.ROUTE, "/hi"),
                3, "com.example.hi"));
        assertEquals(200, get("/health/ready").statusCode(), "ready again once the replacement came");
    }

    @Test
    void liveWhenEveryEventLoopAnswers() throws Exception {
        HttpResponse<String> r = get("/health/live");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("{\"name\":\"spindle-io-0\",\"answered\":true"), r.body());
        assertTrue(r.body().contains("{\"name\":\"spindle-io-1\",\"answered\":true"), r.body());
    }

    @Test
    void notLiveWhileAnEventLoopIsHeld() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EventExecutor held = engine.loops().iterator().next();
        held.execute(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            long sent = System.nanoTime();
            HttpResponse<String> r = get("/health/live");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("{\"name\":\"spindle-io-0\",\"answered\":false,\"reason\":\"no answer within 300 ms"),
                    r.body());
            assertTrue(r.body().contains("{\"name\":\"spindle-io-1\",\"answered\":true"), r.body());
            assertTrue(took < 3000, "answered at the bound, not when the loop came back: " + took + " ms");
        } finally {
            release.countDown();
        }
        assertEquals(200, get("/health/live").statusCode(), "live again once the loop is back");
    }

    @Test
    void metricsCountTheTrafficEachHandlerServed() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, serve("/hi").statusCode());
        }
        assertEquals(404, serve("/nothing").statusCode());
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        String labels = "bundle=\"com.example.hi\",handler=\"7\",route=\"/hi\",version=\"\"";
        String body = r.body();
        assertTrue(body.contains("spindle_requests_total{bundle=\"com.example.hi\",handler=\"7\",method=\"GET\",route=\"/hi\","
                + "status_class=\"2xx\",version=\"\"} 3.0\n"), body);
        assertTrue(body.contains("spindle_request_duration_seconds_bucket{" + labels + ",le=\"1.6384E-5\"} "), body);
        assertTrue(body.contains("spindle_request_duration_seconds_count{" + labels + "} 3\n"), body);
        assertTrue(body.contains("spindle_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 3\n"), body);
        assertTrue(body.contains("spindle_http_requests_total{protocol=\"h1\"} 4.0\n"), body);
        assertTrue(body.contains("spindle_http_responses_total{status_class=\"4xx\"} 1.0\n"), body);
        assertTrue(body.contains("spindle_requests_in_flight{" + labels + "} 0.0\n"), body);
        assertTrue(body.contains("\njvm_memory_used_bytes{area=\"heap\"} "), body);
    }

    @Test
    void metricsCountEachHandlersResponsesByMethodAndEveryStatusClass() throws Exception {
        whiteboard.add(Registration.of((req, res) -> {
            res.statusCode(302);
            res.setHeader("Location", "/hi");
            res.end();
        }, Map.of("service.id", 9L, Handler.ROUTE, "/go"), 3, "com.example.hi"));
        CountDownLatch opened = new CountDownLatch(1);
        whiteboard.add(Registration.ofWebSocket((req, socket) -> opened.countDown(),
                Map.of("service.id", 10L, Handler.ROUTE, "/ws"), 3, "com.example.hi"));
        assertEquals(200, send("POST", "/hi").statusCode());
        assertEquals(200, send("GET", "/hi").statusCode());
        assertEquals(200, send("PROPFIND", "/hi").statusCode(), "a method the server takes, outside the known nine");
        assertEquals(302, send("GET", "/go").statusCode(), "not followed: the client's default");
        java.net.http.WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + engine.address().getPort() + "/ws"),
                        new java.net.http.WebSocket.Listener() { })
                .get(5, TimeUnit.SECONDS);
        assertTrue(opened.await(5, TimeUnit.SECONDS), "the socket opened");
        // the counts are published at the end of the read batch, which may be just after the client has its answer
        String body = scrapeUntil(b -> b.contains("spindle_http_responses_total{status_class=\"3xx\"} 1.0\n")
                && b.contains("spindle_http_responses_total{status_class=\"2xx\"} 3.0\n"));
        ws.abort();
        String hi = "spindle_requests_total{bundle=\"com.example.hi\",handler=\"7\",method=\"";
        assertTrue(body.contains(hi + "POST\",route=\"/hi\",status_class=\"2xx\",version=\"\"} 1.0\n"), body);
        assertTrue(body.contains(hi + "GET\",route=\"/hi\",status_class=\"2xx\",version=\"\"} 1.0\n"), body);
        assertTrue(body.contains(hi + "other\",route=\"/hi\",status_class=\"2xx\",version=\"\"} 1.0\n"), body);
        assertTrue(body.contains(hi + "POST\",route=\"/hi\",status_class=\"5xx\",version=\"\"} 0.0\n"),
                "each class of a method seen, zeros too: " + body);
        assertTrue(!body.contains(hi + "PUT\""), "no series for a method never seen: " + body);
        assertTrue(body.contains("spindle_requests_total{bundle=\"com.example.hi\",handler=\"9\",method=\"GET\",route=\"/go\","
                + "status_class=\"3xx\",version=\"\"} 1.0\n"), "a redirect is a response: " + body);
        assertTrue(body.contains("spindle_requests_total{bundle=\"com.example.hi\",handler=\"10\",method=\"GET\",route=\"/ws\","
                + "status_class=\"1xx\",version=\"\"} 1.0\n"), "the WebSocket's 101: " + body);
        assertTrue(body.contains("spindle_http_responses_total{status_class=\"1xx\"} 1.0\n"), body);
        assertTrue(body.contains("spindle_http_responses_total{status_class=\"3xx\"} 1.0\n"), body);
    }

    /** The metrics once {@code ready} holds of them, or after 10 s. */
    private String scrapeUntil(java.util.function.Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String body = get("/metrics").body();
        while (!ready.test(body) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            body = get("/metrics").body();
        }
        return body;
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsCountRefusalsByStatusAndWhatHappenedToHandlers() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", engine.address().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /hi HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
        whiteboard.remove(7, true);
        whiteboard.add(Registration.of((req, res) -> res.end("hi 2"), Map.of("service.id", 8L, Handler.ROUTE, "/hi"),
                3, "com.example.hi"));
        String body = get("/metrics").body();
        assertTrue(body.contains("spindle_http_refusals_total{status=\"400\"} 1.0\n"), body);
        assertTrue(body.contains("spindle_handler_events_total{event=\"registered\"} 2.0\n"), body);
        assertTrue(body.contains("spindle_handler_events_total{event=\"unregistered\"} 1.0\n"), body);
        assertTrue(body.contains("spindle_handler_events_total{event=\"drained\"} 1.0\n"), body);
        assertTrue(body.contains("spindle_handler_drain_duration_seconds_count 1\n"), body);
        assertTrue(body.contains("spindle_requests_in_flight{bundle=\"com.example.hi\",handler=\"8\""), "the new handler: " + body);
        assertTrue(!body.contains("handler=\"7\""), "the removed handler's series are gone: " + body);
    }

    @Test
    void metricsCountConnectionsRefusedOverTheLimit() throws Exception {
        EngineSettings d = EngineSettings.defaults();
        engine.close();
        engine = new HttpEngine(new EngineSettings(d.maxInitialLineLength(), d.maxHeaderSize(), d.maxChunkSize(), d.maxBodyBytes(),
                d.keepAliveTimeoutMillis(), d.headersTimeoutMillis(), d.maxPipelined(), d.maxHeaders(),
                d.maxRequestBodyBytes(), d.responseTimeoutMillis(), 1, d.writeTimeoutMillis(), d.requestTimeoutMillis(),
                d.extraMethods(), d.h2c(), d.maxConcurrentStreams()), whiteboard, workers, "nio", 1);
        engine.start("127.0.0.1", 0);
        try (java.net.Socket first = new java.net.Socket("127.0.0.1", engine.address().getPort());
                java.net.Socket second = new java.net.Socket("127.0.0.1", engine.address().getPort())) {
            first.setSoTimeout(5000);
            first.getOutputStream().write("GET /hi HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(first.getInputStream().read(new byte[64]) > 0, "the first connection is served and stays open");
            second.setSoTimeout(5000);
            second.getOutputStream().write("GET /hi HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(second.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 503 "), answer);
        }
        String body = get("/metrics").body();
        assertTrue(body.contains("spindle_connections_refused_total 1.0\n"), body);
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() throws Exception {
        HttpResponse<String> r = get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"), r.headers().toString());
        assertTrue(r.body().endsWith("# EOF\n"), r.body());
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertEquals(404, get("/hi").statusCode(), "a handler's route is not served here");
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + admin.address().getPort() + "/health/ready")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
    }
}
