package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * A handler that throws on every request, under load over real sockets: the log gets one stack
 * trace per exception class and a count per interval, never a trace per request.
 */
class HandlerFailureLogTest {

    private static final Pattern SUMMARY = Pattern.compile(
            "Handler service 48 threw (\\S+) (\\d+) more time\\(s\\) in the last \\d+ ms");

    private final ExecutorService clients = Executors.newFixedThreadPool(4);
    /** The host's whole log, wherever in the host a handler's exception is logged. */
    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.spindle.host.internal");
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Level levelBefore;
    private HttpEngine engine;

    @BeforeEach
    void captureTheLog() {
        levelBefore = logger.getLevel();
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
        clients.shutdownNow();
        logger.detachAppender(log);
        logger.setLevel(levelBefore);
        logger.setAdditive(true);
    }

    @Test
    void aHandlerThrowingOnEveryRequestLogsOneTracePerExceptionClassThenCounts() throws Exception {
        RouteTarget target = new RouteTarget((req, res) -> {
            if (req.url().endsWith("/odd")) {
                throw new IllegalArgumentException("odd request");
            }
            throw new IllegalStateException("broken handler");
        }, 48, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, Runnable::run, "nio", 1);
        engine.summarizeFailures(200);
        InetSocketAddress at = engine.start("127.0.0.1", 0);

        // a bounded flood: 4 keep-alive clients for 1.5 s (at most 20,000 requests each), every tenth request odd
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        List<Future<int[]>> sent = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            sent.add(clients.submit(() -> flood(at, until, 20_000)));
        }
        int plain = 0;
        int odd = 0;
        for (Future<int[]> f : sent) {
            int[] n = f.get(20, TimeUnit.SECONDS);
            plain += n[0];
            odd += n[1];
        }
        int summariesDuringTheFlood = summaries().size();
        engine.close(); // the last counts are logged when the engine stops
        engine = null;

        List<ILoggingEvent> traces = log.list.stream().filter(e -> e.getThrowableProxy() != null).toList();
        assertEquals(2, traces.size(), () -> "one trace per exception class, the first: " + traces.subList(0, Math.min(3, traces.size())));
        assertTrue(summariesDuringTheFlood >= 2, "summaries while the handler kept throwing: " + summariesDuringTheFlood);
        assertTrue(log.list.size() <= 2 + 2 * (1500 / 200 + 3), "log lines: " + log.list.size());

        long summedPlain = 1;
        long summedOdd = 1;
        for (String s : summaries()) {
            Matcher m = SUMMARY.matcher(s);
            assertTrue(m.find(), s);
            if (m.group(1).equals(IllegalStateException.class.getName())) {
                summedPlain += Long.parseLong(m.group(2));
            } else {
                assertEquals(IllegalArgumentException.class.getName(), m.group(1));
                summedOdd += Long.parseLong(m.group(2));
            }
        }
        assertTrue(plain > 200, "the flood was a flood: " + plain);
        assertEquals(plain, summedPlain, "every IllegalStateException logged or counted in a summary");
        assertEquals(odd, summedOdd, "every IllegalArgumentException logged or counted in a summary");
        assertEquals(Map.of(IllegalArgumentException.class.getName(), (long) odd,
                IllegalStateException.class.getName(), (long) plain), target.thrown().totals());
    }

    private List<String> summaries() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("more time(s)")).toList();
    }

    /** Sends requests on one connection until {@code until} or {@code max}; every answer must be a 500. */
    private static int[] flood(InetSocketAddress at, long until, int max) throws IOException {
        int[] sent = new int[2];
        byte[] plain = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] odd = "GET /x/odd HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            for (int i = 0; i < max && System.nanoTime() < until; i++) {
                boolean isOdd = i % 10 == 9;
                s.getOutputStream().write(isOdd ? odd : plain);
                String head = readHead(s.getInputStream());
                if (!head.startsWith("HTTP/1.1 500 ")) {
                    throw new IOException("not a 500: " + head);
                }
                sent[isOdd ? 1 : 0]++;
            }
        }
        return sent;
    }

    /** Reads a response head and skips its Content-Length body. */
    private static String readHead(InputStream in) throws IOException {
        String h = SocketResponses.readHead(in);
        int at = h.indexOf("Content-Length: ");
        in.readNBytes(Integer.parseInt(h.substring(at + 16, h.indexOf("\r\n", at))));
        return h;
    }
}
