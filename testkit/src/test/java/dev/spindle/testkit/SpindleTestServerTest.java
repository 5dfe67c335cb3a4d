package dev.spindle.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spindle.api.Handler;

/** The test kit over real sockets, with the JDK's HTTP client (HTTP/1.1 and h2c). */
class SpindleTestServerTest {

    private static final Handler REST = (req, res) -> {
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end(req.httpVersion() + " [" + req.remainingPath() + "]");
    };

    private static HttpResponse<String> get(SpindleTestServer server, String target, HttpClient.Version version)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(server.uri(target)).timeout(Duration.ofSeconds(5)).build(),
                BodyHandlers.ofString());
    }

    static Stream<Arguments> remainingPaths() {
        return Stream.of(
                Arguments.of("/greet/Zo%C3%AB", "Zoë"),
                Arguments.of("/greet/Zo%C3%AB?x=%C3%AB", "Zoë"),
                Arguments.of("/greet/a+b", "a+b"),
                Arguments.of("/greet/a/b%2Fc", "a/b/c"),
                Arguments.of("/greet/%FF", "\uFFFD"),
                Arguments.of("/greet/", ""),
                Arguments.of("/greet", ""));
    }

    @ParameterizedTest
    @MethodSource("remainingPaths")
    void theRestOfAPrefixRouteIsDecodedOverHttp11(String target, String rest) throws Exception {
        try (SpindleTestServer server = SpindleTestServer.serve("/greet/*", REST)) {
            HttpResponse<String> res = get(server, target, HttpClient.Version.HTTP_1_1);
            assertEquals(200, res.statusCode());
            assertEquals("1.1 [" + rest + "]", res.body());
        }
    }

    @ParameterizedTest
    @MethodSource("remainingPaths")
    void theRestOfAPrefixRouteIsDecodedOverHttp2(String target, String rest) throws Exception {
        try (SpindleTestServer server = SpindleTestServer.serve("/greet/*", REST)) {
            HttpResponse<String> res = get(server, target, HttpClient.Version.HTTP_2);
            assertEquals(HttpClient.Version.HTTP_2, res.version(), "the client did not upgrade to h2c");
            assertEquals("2.0 [" + rest + "]", res.body());
        }
    }

    /** The JDK's client refuses to send a malformed escape; a raw socket does, as any client may. */
    @Test
    void aMalformedEscapeInTheRestIsKeptAsItIs() throws Exception {
        try (SpindleTestServer server = SpindleTestServer.serve("/greet/*", REST);
                Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /greet/100%zz%C3%AB%4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
            assertTrue(response.endsWith("\r\n\r\n1.1 [100%zzë%4]"), response);
        }
    }

    @Test
    void anExactRouteAndTheCatchAllRouteHaveTheirOwnRest() throws Exception {
        try (SpindleTestServer server = SpindleTestServer.builder()
                .handler("/greet", REST)
                .handler("/*", REST)
                .start()) {
            assertEquals("1.1 []", get(server, "/greet", HttpClient.Version.HTTP_1_1).body());
            assertEquals("1.1 [other/Zoë]", get(server, "/other/Zo%C3%AB", HttpClient.Version.HTTP_1_1).body());
        }
    }

    @Test
    void routesAsTheContainerDoes() throws Exception {
        try (SpindleTestServer server = SpindleTestServer.builder()
                .handler((req, res) -> res.end("prefix"), Map.of(Handler.ROUTE, "/api/*"))
                .handler((req, res) -> res.end("exact"), Map.of(Handler.ROUTE, "/api/health", Handler.METHODS, "GET"))
                .handler((req, res) -> res.end("low"), Map.of(Handler.ROUTE, "/ranked"))
                .handler((req, res) -> res.end("high"), Map.of(Handler.ROUTE, "/ranked", "service.ranking", 5))
                .start()) {
            assertEquals("exact", get(server, "/api/health", HttpClient.Version.HTTP_1_1).body());
            assertEquals("prefix", get(server, "/api/other", HttpClient.Version.HTTP_1_1).body());
            assertEquals("high", get(server, "/ranked", HttpClient.Version.HTTP_1_1).body());
            assertEquals(404, get(server, "/nothing", HttpClient.Version.HTTP_1_1).statusCode());
            assertEquals(4, server.totalRequests());
        }
    }

    @Test
    void aMethodNoHandlerTakesGets405WithAllow() throws Exception {
        try (SpindleTestServer server = SpindleTestServer.builder()
                .handler((req, res) -> res.end("hi"), Map.of(Handler.ROUTE, "/hello", Handler.METHODS, "GET,HEAD"))
                .start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(server.uri("/hello"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(5)).build(),
                    BodyHandlers.ofString());
            assertEquals(405, res.statusCode());
            assertEquals("GET, HEAD", res.headers().firstValue("allow").orElse(null));
        }
    }

    @Test
    void aBlockingHandlerRunsOnAWorkerThread() throws Exception {
        Map<String, Object> props = Map.of(Handler.ROUTE, "/slow", Handler.BLOCKING, true);
        try (SpindleTestServer server = SpindleTestServer.builder()
                .handler((req, res) -> res.end(Thread.currentThread().getName()), props)
                .start()) {
            String thread = get(server, "/slow", HttpClient.Version.HTTP_1_1).body();
            assertTrue(thread.startsWith("spindle-testkit-worker-"), thread);
        }
    }

    @Test
    void aHandlerThatThrowsGivesTheContainers500() throws Exception {
        try (SpindleTestServer server = SpindleTestServer.serve("/boom", (req, res) -> {
            throw new IllegalStateException("boom");
        })) {
            HttpResponse<String> res = get(server, "/boom", HttpClient.Version.HTTP_1_1);
            assertEquals(500, res.statusCode());
            assertEquals("Internal Server Error", res.body());
        }
    }

    @Test
    void anInvalidRouteIsRefusedWithTheContainersReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpindleTestServer.serve("/a/*/b", (req, res) -> res.end()));
        assertEquals("spindle.route may only end in '/*': /a/*/b", e.getMessage());
    }
}
