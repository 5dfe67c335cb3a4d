package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The admin listener's {@code /metrics} as Prometheus sees it: Debian's {@code prometheus} server
 * (installed by {@code .ci/run}) scrapes the assembled container every second on loopback, and its
 * query API returns the counts of the traffic this test sent (by handler, method and status class);
 * {@code promtool check metrics} accepts the exposition.
 */
class PrometheusIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Path PROMETHEUS = Paths.get("/usr/bin/prometheus");
    private static final Path PROMTOOL = Paths.get("/usr/bin/promtool");
    private static final int SENT = 25;
    private static final int NOT_FOUND = 3;
    private static final int POSTED = 4;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aPrometheusServerScrapingTheAdminListenerFindsTheRequestsSent() throws Exception {
        assertTrue(Files.isExecutable(PROMETHEUS) && Files.isExecutable(PROMTOOL),
                "needs Debian's prometheus package (apt-get install prometheus; .ci/run installs it)");
        try (Container c = Container.prepare("prometheus")) {
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            int admin = c.adminPort();
            assertTrue(Http.awaitOk(admin, "/metrics", STARTUP), c.log());
            String before = Http.get(admin, "/metrics").body;
            long hello = value(before, "spindle_requests_total\\{bundle=\"dev.spindle.samples.hello\",[^}]*method=\"GET\",[^}]*status_class=\"2xx\"[^}]*\\}");
            long echoed = value(before, "spindle_requests_total\\{bundle=\"dev.spindle.samples.echo\",[^}]*method=\"POST\",[^}]*status_class=\"2xx\"[^}]*\\}");
            long notFound = value(before, "spindle_http_responses_total\\{status_class=\"4xx\"\\}");

            for (int i = 0; i < SENT; i++) {
                assertEquals(200, Http.get(c.port, "/hello").status);
            }
            for (int i = 0; i < NOT_FOUND; i++) {
                assertEquals(404, Http.get(c.port, "/no-such-route").status);
            }
            for (int i = 0; i < POSTED; i++) {
                assertEquals(200, Http.postChunked(c.port, "/echo", "posted").status);
            }

            String exposition = Http.get(admin, "/metrics").body;
            Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
            promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
            assertEquals(0, promtool.exitValue(), "promtool check metrics: " + lint);

            Path dir = c.home.resolve("prometheus");
            Files.createDirectories(dir);
            int web = Http.freePort();
            Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    + "scrape_configs:\n  - job_name: spindle\n    static_configs:\n      - targets: ['127.0.0.1:" + admin + "']\n");
            Process server = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + web,
                    "--log.level=warn").redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                String query = "sum(spindle_requests_total{bundle=\"dev.spindle.samples.hello\",method=\"GET\",status_class=\"2xx\"})";
                long seen = await(web, query, hello + SENT, Duration.ofSeconds(30));
                assertEquals(hello + SENT, seen, "Prometheus's count of the 200s from /hello\n"
                        + Files.readString(dir.resolve("prometheus.log")));
                assertEquals(echoed + POSTED, await(web, "sum(spindle_requests_total{bundle=\"dev.spindle.samples.echo\","
                        + "method=\"POST\",status_class=\"2xx\"})", echoed + POSTED, Duration.ofSeconds(10)),
                        "the echo handler's POSTs, by their method label");
                assertEquals(0, await(web, "count(spindle_requests_total{bundle=\"dev.spindle.samples.echo\",method!=\"POST\"}) or vector(0)",
                        0, Duration.ofSeconds(1)), "no other method's series for a handler that saw only POSTs");
                assertEquals(notFound + NOT_FOUND, await(web, "spindle_http_responses_total{status_class=\"4xx\"}",
                        notFound + NOT_FOUND, Duration.ofSeconds(10)), "the server's own 404s");
                assertEquals(hello + SENT, await(web, "sum(spindle_request_duration_seconds_count{bundle=\"dev.spindle.samples.hello\"})",
                        hello + SENT, Duration.ofSeconds(10)), "the latency histogram's count");
                assertEquals(1, await(web, "up{job=\"spindle\"}", 1, Duration.ofSeconds(10)), "the target is up");
            } finally {
                server.destroy();
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
    }

    /** The value of the first sample matching {@code series} in an exposition (0 if absent). */
    private static long value(String exposition, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+]+)$").matcher(exposition);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** Queries Prometheus until the instant vector's first value is {@code expected} or {@code limit} passes; the last value (-1: none). */
    private long await(int port, String query, long expected, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Pattern value = Pattern.compile("\"value\":\\[[0-9.]+,\"([0-9.eE+]+)\"\\]");
        long last = -1;
        do {
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                Matcher m = value.matcher(r.body());
                if (r.statusCode() == 200 && m.find()) {
                    last = (long) Double.parseDouble(m.group(1));
                    if (last == expected) {
                        return last;
                    }
                }
            } catch (IOException notYet) {
                // Prometheus is still starting
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        return last;
    }
}
