package dev.spindle.host.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogReaderService;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.HostProbe;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.DeployEvents;
import dev.spindle.host.internal.router.Registration;
import dev.spindle.host.internal.router.Whiteboard;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * The dashboard's {@code /events} stream: over a real socket beside a real engine (the first event,
 * rates of the traffic sent, a redeploy named as such), and in an {@link EmbeddedChannel} with a
 * frozen clock (a dashboard that does not read gets nothing queued and is closed; the sampling
 * stops when the last dashboard goes); the log tail from a stand-in log reader.
 */
class DashboardFeedTest {

    private final Whiteboard whiteboard = new Whiteboard();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private HttpEngine engine;
    private AdminListener admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
    }

    private static Registration hi(long id, String answer) {
        return Registration.of((req, res) -> res.end(answer), Map.of("service.id", id, Handler.ROUTE, "/hi"), 3,
                "com.example.hi");
    }

    private AdminHandler handler(DashboardFeed feed) {
        ServerProbe probe = new HostProbe(() -> engine, () -> false, whiteboard, () -> 0);
        return new AdminHandler(new Health(() -> probe, List::of, 300), new Metrics(() -> probe, null), feed, null);
    }

    private DashboardFeed feed() {
        ServerProbe probe = new HostProbe(() -> engine, () -> false, whiteboard, () -> 0);
        return new DashboardFeed(new DashboardState(() -> probe, id -> "1.2.3", () -> null));
    }

    /** Reads the stream's {@code data:} lines until one satisfies {@code wanted} (bounded by the socket's timeout). */
    private static String await(BufferedReader in, Predicate<String> wanted) throws Exception {
        for (String line; (line = in.readLine()) != null;) {
            if (line.startsWith("data: ") && wanted.test(line)) {
                return line;
            }
        }
        throw new AssertionError("the stream ended");
    }

    @Test
    void theStreamShowsEachHandlerItsRateAndARedeploy() throws Exception {
        whiteboard.add(hi(7, "hi"));
        engine = new HttpEngine(EngineSettings.defaults(), whiteboard, workers, "nio", 1);
        engine.start("127.0.0.1", 0);
        admin = new AdminListener("127.0.0.1", 0, handler(feed()));
        try (Socket s = new Socket("127.0.0.1", admin.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            String first = await(in, l -> true);
            assertTrue(first.contains("\"id\":7,\"route\":\"/hi\",\"kind\":\"http\",\"bundle\":\"com.example.hi\","
                    + "\"version\":\"1.2.3\",\"state\":\"ACTIVE\""), first);
            assertTrue(first.contains("\"kind\":\"registered\",\"route\":\"/hi\",\"id\":7"), first);

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 5; i++) {
                assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + engine.address().getPort() + "/hi")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode());
            }
            String counted = await(in, l -> l.contains("\"requests\":5,"));
            String later = counted.contains("\"rate\":") ? counted : await(in, l -> l.contains("\"rate\":"));
            assertTrue(later.contains("\"requests\":5,\"errors\":0"), later);

            whiteboard.remove(7, false); // an update: the old service goes, the new one comes
            whiteboard.add(hi(8, "hi 2"));
            String redeploy = await(in, l -> l.contains("\"kind\":\"redeployed\""));
            assertTrue(redeploy.contains("\"kind\":\"redeployed\",\"route\":\"/hi\",\"id\":8"), redeploy);
            assertTrue(redeploy.contains("\"kind\":\"unregistered\",\"route\":\"/hi\",\"id\":7"), redeploy);
            assertFalse(redeploy.contains("\"kind\":\"registered\",\"route\":\"/hi\",\"id\":7"),
                    "a change already sent is not sent again: " + redeploy);
        }
    }

    @Test
    void aDashboardThatDoesNotReadGetsNothingQueuedAndIsClosed() {
        whiteboard.add(hi(7, "hi"));
        DashboardFeed feed = feed();
        EmbeddedChannel ch = new EmbeddedChannel(handler(feed));
        ch.freezeTime();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/events"));
        HttpResponse head = ch.readOutbound();
        assertEquals("text/event-stream; charset=utf-8", head.headers().get("content-type"));
        assertTrue(text(ch.readOutbound()).contains("event: first\n"));
        tick(ch);
        assertTrue(text(ch.readOutbound()).contains("event: sample\n"), "a sample each second");

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the reader stopped reading
        for (int i = 1; i < DashboardFeed.MAX_MISSED; i++) {
            tick(ch);
            assertNull(ch.readOutbound(), "nothing written while unwritable");
            assertTrue(ch.isOpen());
        }
        tick(ch);
        assertFalse(ch.isOpen(), "closed after " + DashboardFeed.MAX_MISSED + " missed samples");
        assertEquals(0, feed.dashboards());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aDashboardThatReadsAgainGetsTheSamplesAgainAndAClosedOneIsForgotten() {
        DashboardFeed feed = feed();
        EmbeddedChannel ch = new EmbeddedChannel(handler(feed));
        ch.freezeTime();
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/events"));
        ReferenceCountUtil.release(ch.readOutbound());
        ReferenceCountUtil.release(ch.readOutbound());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        tick(ch);
        assertNull(ch.readOutbound());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        tick(ch);
        assertTrue(text(ch.readOutbound()).contains("event: sample\n"));
        assertEquals(1, feed.dashboards());
        ch.close(); // the browser went away
        assertEquals(0, feed.dashboards());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aRegistrationFollowingAnUnregistrationOnItsRouteIsARedeploy() {
        long t = 1_000_000;
        List<DeployEvents.Event> kept = List.of(
                new DeployEvents.Event(1, t, DeployEvents.Kind.REGISTERED, "/a", 1, "a"),
                new DeployEvents.Event(2, t + 5, DeployEvents.Kind.REGISTERED, "/b", 2, "b"),
                new DeployEvents.Event(3, t + 10, DeployEvents.Kind.UNREGISTERED, "/a", 1, "a"),
                new DeployEvents.Event(4, t + 20, DeployEvents.Kind.REGISTERED, "/a", 3, "a"),
                new DeployEvents.Event(5, t + 30, DeployEvents.Kind.UNREGISTERED, "/b", 2, "b"),
                new DeployEvents.Event(6, t + 30 + DashboardState.REDEPLOY_WINDOW_MILLIS + 1,
                        DeployEvents.Kind.REGISTERED, "/b", 4, "b"));
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            names.add(DashboardState.name(kept, i));
        }
        assertEquals(List.of("registered", "registered", "unregistered", "redeployed", "unregistered", "registered"),
                names, "/b came back after the window: a new deploy, not a redeploy");
    }

    @Test
    void theLogTailSendsTheLastLinesFirstThenOnlyNewOnes() {
        List<LogEntry> log = new java.util.ArrayList<>(); // newest first, as the reader gives them
        LogReaderService reader = (LogReaderService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {LogReaderService.class}, (p, m, a) -> java.util.Collections.enumeration(List.copyOf(log)));
        DashboardState state = new DashboardState(() -> null, id -> "", () -> reader);
        log.add(0, entry(1, "started"));
        log.add(0, entry(2, "serving"));
        List<?> first = (List<?>) state.first().get("log");
        assertEquals(2, first.size());
        assertTrue(first.get(1).toString().contains("INFO  [main] com.example - serving"), first.toString());
        assertEquals(List.of(), state.sample().get("log"), "nothing new");
        log.add(0, entry(3, "redeployed"));
        List<?> fresh = (List<?>) state.sample().get("log");
        assertEquals(1, fresh.size());
        assertTrue(fresh.get(0).toString().contains("seq=3") && fresh.get(0).toString().contains("redeployed"),
                fresh.toString());
    }

    private static LogEntry entry(long seq, String message) {
        return (LogEntry) Proxy.newProxyInstance(DashboardFeedTest.class.getClassLoader(), new Class<?>[] {LogEntry.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getSequence" -> seq;
                    case "getTime" -> 1_700_000_000_000L + seq;
                    case "getLogLevel" -> LogLevel.INFO;
                    case "getThreadInfo" -> "main";
                    case "getLoggerName" -> "com.example";
                    case "getMessage" -> message;
                    default -> null;
                });
    }

    private static void tick(EmbeddedChannel ch) {
        ch.advanceTimeBy(DashboardFeed.TICK_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    private static String text(Object content) {
        try {
            ByteBuf b = ((HttpContent) content).content();
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            ReferenceCountUtil.release(content);
        }
    }
}
