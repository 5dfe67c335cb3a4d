package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.AccessLog;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The access log over real sockets: one line per request in the combined log format with the
 * handler's service id and the latency, over HTTP/1.1 and HTTP/2, and nothing at all when it is off.
 */
class AccessLogTest {

    /** host - - [time] "request" status bytes "referer" "agent" service ms */
    private static final Pattern LINE = Pattern.compile(
            "^127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] \"(\\S+) (\\S+) (HTTP/\\S+)\" "
                    + "(\\d{3}|-) (\\d+|-) \"(.*)\" \"(.*)\" (\\d+|-) (\\d+\\.\\d{3})$");

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private HttpEngine engine;

    @BeforeEach
    void captureTheAccessLog() {
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
        logger.detachAppender(log);
        logger.setLevel(null);
        logger.setAdditive(true);
    }

    private InetSocketAddress start(boolean accessLog) throws InterruptedException {
        RouteTarget target = new RouteTarget((req, res) -> res.end("hello " + req.url()), 42, false, false);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> p.equals("/missing")
                ? HandlerResolver.Resolution.notFound() : HandlerResolver.Resolution.found(target), workers, "nio", 1);
        engine.accessLog(accessLog);
        return engine.start("127.0.0.1", 0);
    }

    /** The access log's lines, waiting (at most 5 s) until there are {@code count}. */
    private List<String> lines(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (log.list.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static HttpResponse<String> get(HttpClient client, InetSocketAddress at, String path, String agent)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .timeout(Duration.ofSeconds(5)).header("Referer", "http://example.test/from");
        if (agent != null) {
            b.header("User-Agent", agent);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachHttp11RequestGetsOneCombinedFormatLineWithTheServiceIdAndLatency() throws Exception {
        InetSocketAddress at = start(true);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertEquals(200, get(client, at, "/a?x=1", "probe/1.0 \"quoted\"").statusCode());
        assertEquals(200, get(client, at, "/b", "probe/1.0").statusCode());
        assertEquals(404, get(client, at, "/missing", "probe/1.0").statusCode());

        List<String> lines = lines(3);
        assertEquals(3, lines.size(), () -> "one line per request: " + lines);
        Matcher first = LINE.matcher(lines.get(0));
        assertTrue(first.matches(), lines.get(0));
        assertEquals(List.of("GET", "/a?x=1", "HTTP/1.1", "200", String.valueOf("hello /a?x=1".length()),
                "http://example.test/from", "probe/1.0 \\\"quoted\\\"", "42"),
                List.of(first.group(1), first.group(2), first.group(3), first.group(4), first.group(5), first.group(6),
                        first.group(7), first.group(8)));
        Matcher second = LINE.matcher(lines.get(1));
        assertTrue(second.matches(), lines.get(1));
        assertEquals("/b", second.group(2));
        Matcher missing = LINE.matcher(lines.get(2));
        assertTrue(missing.matches(), lines.get(2));
        assertEquals("404", missing.group(4));
        assertEquals("-", missing.group(8), "the host answered: no handler's service id");
    }

    @Test
    void http2StreamsAreLoggedOneLineEach() throws Exception {
        InetSocketAddress at = start(true);
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/s1", "user-agent", "h2probe"), true);
            assertEquals("200", w.response(1).status());
            w.headers(3, H2Wire.request("GET", "/s3", "user-agent", "h2probe"), true);
            assertEquals("200", w.response(3).status());
        }
        List<String> lines = lines(2);
        assertEquals(2, lines.size(), () -> "one line per stream: " + lines);
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals("HTTP/2.0", m.group(3));
            assertEquals("-", m.group(6), "no Referer is a dash");
            assertEquals("h2probe", m.group(7));
            assertEquals("42", m.group(8));
        }
    }

    @Test
    void nothingIsLoggedWhenTheAccessLogIsOffAndTurningItOnAppliesAtOnce() throws Exception {
        InetSocketAddress at = start(false);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get(client, at, "/off", null).statusCode());
        }
        engine.accessLog(true); // the same connection: the switch is read per request
        assertEquals(200, get(client, at, "/on", null).statusCode());
        List<String> lines = lines(1);
        assertEquals(1, lines.size(), () -> "only the request after the switch: " + lines);
        assertTrue(lines.get(0).contains("\"GET /on HTTP/1.1\""), lines.get(0));
    }
}
