package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import dev.spindle.host.internal.http.connection.EngineSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad request, over a real socket, gets a clear status and a closed connection,
 * never reaches a handler, and the same server then answers a health check.
 */
class HostileInputTest {

    static Stream<Arguments> badRequests() {
        return Stream.of(
            bad("both Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            bad("differing duplicate Content-Length",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
            bad("Transfer-Encoding other than a final chunked",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nxyz", 400),
            bad("chunked not last",
                "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
            bad("invalid chunk size (the head was fine: the handler reads the body and fails)",
                "POST /reads-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
            bad("invalid chunk extension (the handler reads the body and fails)",
                "POST /reads-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;a\u0001b\r\nhello\r\n0\r\n\r\n", 400),
            bad("chunk size overflowing",
                "POST /reads-body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400),
            bad("bare LF line endings",
                "GET / HTTP/1.1\nHost: t\n\n", 400),
            bad("obs-fold",
                "GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n", 400),
            bad("whitespace before the colon",
                "GET / HTTP/1.1\r\nHost: t\r\nX-A : one\r\n\r\n", 400),
            bad("NUL in a header value",
                "GET / HTTP/1.1\r\nHost: t\r\nX-A: o\0ne\r\n\r\n", 400),
            bad("control character in a header name",
                "GET / HTTP/1.1\r\nHost: t\r\nX\u0001A: one\r\n\r\n", 400),
            bad("invalid method token",
                "G(E)T / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            bad("invalid request-target",
                "GET /a b HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            bad("bad HTTP version",
                "GET / HTTP/9.9\r\nHost: t\r\n\r\n", 400),
            bad("HTTP/1.1 without Host",
                "GET / HTTP/1.1\r\n\r\n", 400),
            bad("two Host headers",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            bad("request line too long",
                "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
            bad("header block too large",
                "GET / HTTP/1.1\r\nHost: t\r\nX-A: " + "a".repeat(17000) + "\r\n\r\n", 431),
            bad("too many headers",
                "GET / HTTP/1.1\r\nHost: t\r\n" + "X-A: 1\r\n".repeat(200) + "\r\n", 431),
            bad("body over the maximum",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n", 413),
            bad("body over the maximum with Expect: 100-continue",
                "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n", 413));
    }

    private static Arguments bad(String what, String request, int status) {
        return Arguments.of(what, request, status);
    }

    private static final List<String> REACHED = new CopyOnWriteArrayList<>();
    private static HttpEngine engine;
    private static int port;

    @BeforeAll
    static void start() throws InterruptedException {
        EngineSettings settings = Settings.defaults().maxRequestBodyBytes(65536).build();
        engine = new HttpEngine(settings, Wire.route((req, res) -> {
            if (req.url().equals("/reads-body")) {
                req.body().thenAccept(body -> res.end("fine"));
                return;
            }
            if (!req.url().equals("/health")) {
                REACHED.add(req.method() + " " + req.url());
            }
            res.end("fine");
        }), Runnable::run, "auto", 1);
        port = engine.start("127.0.0.1", 0).getPort();
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /** Sends raw bytes and reads until the server closes (at most 10 s). */
    private static String exchange(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestsGetAClearAnswerAndCloseWithoutReachingAHandler(String what, String request, int status)
            throws IOException {
        REACHED.clear();
        String out = exchange(request);
        assertTrue(out.startsWith("HTTP/1.1 " + status + " "), what + ": " + out);
        assertTrue(out.contains("\r\nConnection: close\r\n"), what + ": " + out);
        assertTrue(REACHED.isEmpty(), what + ": reached the handler: " + REACHED);

        String health = exchange("GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertTrue(health.startsWith("HTTP/1.1 200 OK\r\n") && health.endsWith("fine"), health);
    }
}
