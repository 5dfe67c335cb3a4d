package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.api.Handler;
import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/** The engine over real sockets, on both transports, with a handler on the worker pool. */
class HttpEngineTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private HttpEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
    }

    private InetSocketAddress start(String transport, Handler handler, boolean blocking) throws InterruptedException {
        RouteTarget target = new RouteTarget(handler, 1, blocking, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, transport, 1);
        return engine.start("127.0.0.1", 0);
    }


    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void servesKeepAliveRequestsOnEitherTransport(String transport) throws Exception {
        InetSocketAddress at = start(transport, (req, res) -> res.end("hello world"), false);
        assertEquals(transport, engine.transport());
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String response = SocketResponses.readResponse(s.getInputStream());
                assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n") && response.endsWith("\r\n\r\nhello world"), response);
            }
        }
        assertEquals(3, engine.totalRequests());
    }

    /**
     * Node's {@code 'finish'} means the whole response is in the socket: with a client reading
     * slowly, it must wait for the socket to drain, not fire when the last piece is written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void finishWaitsUntilTheWholeResponseIsInTheSocket(String transport) throws Exception {
        int chunk = 1 << 20;
        int chunks = 16; // far more than the send buffer (4 MiB at most here) and a small receive buffer hold
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        InetSocketAddress at = start(transport, (req, res) -> {
            res.setHeader("Content-Length", (long) chunk * chunks);
            res.onFinish(finished::countDown);
            res.onDone(outcome::set);
            byte[] data = new byte[chunk];
            for (int i = 0; i < chunks; i++) {
                res.write(data);
            }
            res.end();
        }, false);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(at);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                head.write(in.read());
            }
            assertEquals(chunk, in.readNBytes(chunk).length);
            assertEquals(1, finished.getCount(), "finished with most of the body not yet sent");
            assertEquals(null, outcome.get());
            assertEquals((long) chunk * (chunks - 1), in.readNBytes(chunk * (chunks - 1)).length);
            assertTrue(finished.await(5, TimeUnit.SECONDS), "no finish once the client had read everything");
            waitUntil(() -> outcome.get() != null);
            assertEquals(Outcome.COMPLETED, outcome.get());
        }
    }

    /**
     * Listeners share their port with a replacement of their own ({@code SO_REUSEPORT}); a port
     * another process already listens on, even with that option set, is still refused, so that
     * two servers never split one port's connections between them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void aPortAnotherServerListensOnIsRefusedEvenWhenItSharesPorts(String transport) throws IOException {
        try (java.nio.channels.ServerSocketChannel other = java.nio.channels.ServerSocketChannel.open()) {
            other.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            HandlerResolver none = (m, p) -> HandlerResolver.Resolution.notFound();
            engine = new HttpEngine(EngineSettings.defaults(), none, workers, transport, 1);
            IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> engine.start("127.0.0.1", port));
            assertTrue(refused.getMessage().contains("another process listens there"), refused.getMessage());
        }
    }

    /** One event loop per core unless configured: a second loop on a core only adds context switches. */
    @Test
    void runsOneEventLoopPerCoreByDefault() {
        HandlerResolver none = (m, p) -> HandlerResolver.Resolution.notFound();
        engine = new HttpEngine(EngineSettings.defaults(), none, workers, "nio", 0);
        assertEquals(Runtime.getRuntime().availableProcessors(), engine.eventLoops());
        engine.close();
        engine = new HttpEngine(EngineSettings.defaults(), none, workers, "nio", 3);
        assertEquals(3, engine.eventLoops());
    }

    /**
     * A client that keeps sending while its responses wait in a full buffer is no longer read (its
     * requests cannot pile up responses without bound) and is closed by the write timeout; one
     * whose buffer filled within a batch is still read, so reading is not switched off and on
     * for every large response.
     */
    @Test
    void aClientSendingMoreWhileNotReadingIsNoLongerRead() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        CountDownLatch closed = new CountDownLatch(1);
        byte[] fourMegabytes = new byte[4 << 20];
        RouteTarget target = new RouteTarget((req, res) -> {
            handled.incrementAndGet();
            res.onDone(o -> closed.countDown());
            res.end(fourMegabytes);
        }, 7, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        EngineSettings settings = withWriteTimeout(500);
        engine = new HttpEngine(settings, (m, p) -> found, workers, "epoll", 1);
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        byte[] twoRequests = "GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(at);
            s.getOutputStream().write(twoRequests);
            waitUntil(() -> handled.get() == 2); // 8 MiB of responses: more than the socket buffers hold
            s.getOutputStream().write(twoRequests); // read: the buffer filled within the last batch
            waitUntil(() -> handled.get() == 4);
            s.getOutputStream().write(twoRequests); // not read: this client is behind
            assertTrue(closed.await(10, TimeUnit.SECONDS), "not closed by the write timeout");
            assertEquals(4, handled.get(), "requests read while the client was behind");
        }
    }

    private static EngineSettings withWriteTimeout(long millis) {
        return Settings.defaults().writeTimeoutMillis(millis).build();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met in 5 s");
            Thread.sleep(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void blockingHandlersRunOnTheWorkerPool(String transport) throws Exception {
        InetSocketAddress at = start(transport, (req, res) -> res.end(Thread.currentThread().getName()), true);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /who HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = SocketResponses.readResponse(s.getInputStream());
            String thread = response.substring(response.indexOf("\r\n\r\n") + 4);
            assertTrue(thread.startsWith("pool-"), "ran on " + thread);
        }
    }

    @org.junit.jupiter.api.Test
    void aHandlerHoldingTheEventLoopIsReportedWithItsStack() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CompletableFuture<Throwable> stack = new java.util.concurrent.CompletableFuture<>();
        RouteTarget target = new RouteTarget((req, res) -> {
            release.await(10, java.util.concurrent.TimeUnit.SECONDS); // blocks the loop: a bug in a handler
            res.end("late");
        }, 42, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, "nio", 1);
        engine.warnBlockedLoops(100, (message, where) -> {
            reports.add(message);
            stack.complete(where);
        });
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Throwable where = stack.get(10, java.util.concurrent.TimeUnit.SECONDS);
            release.countDown();
            assertTrue(SocketResponses.readResponse(s.getInputStream()).endsWith("late"));
            assertTrue(reports.get(0).startsWith("Handler service 42 has held event loop spindle-io-"), reports.get(0));
            assertTrue(java.util.Arrays.stream(where.getStackTrace()).anyMatch(f -> f.getClassName().contains("HttpEngineTest")),
                    "the stack shows the handler");
            assertEquals(1, reports.size(), "reported once per invocation");
        }
    }

    /**
     * The checker must not need two looks at a block: with a threshold of 200 ms, every one of
     * several blocks of 240 ms (1.2 times the threshold) is reported, and none of 100 ms.
     */
    @Test
    void everyBlockJustLongerThanTheThresholdIsReportedAndNoShorterOne() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        RouteTarget target = new RouteTarget((req, res) -> {
            Thread.sleep(Long.parseLong(req.url().substring(1))); // holds the loop: a bug in a handler
            res.end("slept");
        }, 43, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, "nio", 1);
        engine.warnBlockedLoops(200, (message, where) -> reports.add(message));
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        int longBlocks = 6;
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            for (int i = 0; i < longBlocks; i++) {
                for (String millis : new String[] {"240", "100"}) {
                    s.getOutputStream().write(("GET /" + millis + " HTTP/1.1\r\nHost: t\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    assertTrue(SocketResponses.readResponse(s.getInputStream()).endsWith("slept"));
                }
            }
        }
        waitUntil(() -> reports.size() >= longBlocks);
        assertEquals(longBlocks, reports.size(), "one report per block over the threshold: " + reports);
        for (String r : reports) {
            // with the stack while it blocks; without it if the checker thread only ran after the handler returned
            assertTrue(r.matches("Handler service 43 (has )?held event loop spindle-io-\\S+ for \\d+ ms \\(more than 200 ms\\).*"), r);
        }
    }

    /**
     * Pipelined requests of one read are watched as one span, ended by the batch's flush: a
     * handler holding the loop among quick ones is reported once, by its service id, and a batch
     * of quick ones never.
     */
    @Test
    void aHandlerHoldingTheLoopAmongPipelinedRequestsIsReportedOnce() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        RouteTarget quick = new RouteTarget((req, res) -> res.end("quick"), 45, false, false);
        RouteTarget slow = new RouteTarget((req, res) -> {
            Thread.sleep(240); // holds the loop: a bug in a handler
            res.end("slept");
        }, 46, false, false);
        HandlerResolver.Resolution quickFound = HandlerResolver.Resolution.found(quick);
        HandlerResolver.Resolution slowFound = HandlerResolver.Resolution.found(slow);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> p.equals("/slow") ? slowFound : quickFound,
                workers, "nio", 1);
        engine.warnBlockedLoops(200, (message, where) -> reports.add(message));
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        String get = "GET /%s HTTP/1.1\r\nHost: t\r\n\r\n";
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((get.formatted("a").repeat(8) + get.formatted("slow") + get.formatted("b").repeat(8))
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 17; i++) {
                assertTrue(SocketResponses.readResponse(s.getInputStream()).endsWith(i == 8 ? "slept" : "quick"));
            }
            waitUntil(() -> !reports.isEmpty());
            s.getOutputStream().write(get.formatted("c").repeat(16).getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 16; i++) {
                assertTrue(SocketResponses.readResponse(s.getInputStream()).endsWith("quick"));
            }
        }
        Thread.sleep(100); // the checker looks every 20 ms: a second report would have been made by now
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).matches("Handler service 4[56] (has )?held event loop .*"), reports.get(0));
    }

    /**
     * A call's start is the loop's latest clock reading, not a read of its own: a quick handler
     * called after the loop sat idle for longer than the threshold, on a kept-alive connection
     * and on new ones, must not be taken for one that held it.
     */
    @Test
    void quickHandlersAfterTheLoopSatIdleAreNotReported() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        RouteTarget target = new RouteTarget((req, res) -> res.end("quick"), 44, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, "nio", 1);
        engine.warnBlockedLoops(50, (message, where) -> reports.add(message));
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        byte[] get = "GET /q HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket kept = new Socket(at.getAddress(), at.getPort())) {
            kept.setSoTimeout(10_000);
            for (int i = 0; i < 3; i++) {
                kept.getOutputStream().write(get);
                assertTrue(SocketResponses.readResponse(kept.getInputStream()).endsWith("quick"));
                Thread.sleep(120); // the loop idles for more than twice the threshold: the case under test
                try (Socket fresh = new Socket(at.getAddress(), at.getPort())) {
                    fresh.setSoTimeout(10_000);
                    fresh.getOutputStream().write(get);
                    assertTrue(SocketResponses.readResponse(fresh.getInputStream()).endsWith("quick"));
                }
                Thread.sleep(120);
            }
        }
        // the checker looks every 5 ms; a false report would have been made by now
        Thread.sleep(100);
        assertEquals(java.util.List.of(), reports);
    }

    @org.junit.jupiter.api.Test
    void aClientThatNeverReadsIsClosedAfterTheWriteTimeout() throws Exception {
        java.util.concurrent.CompletableFuture<dev.spindle.api.Outcome> outcome = new java.util.concurrent.CompletableFuture<>();
        byte[] megabyte = new byte[1 << 20];
        RouteTarget target = new RouteTarget((req, res) -> {
            res.onDone(outcome::complete);
            for (int i = 0; i < 32; i++) {
                res.write(megabyte); // ignores write() == false: the host must still bound the time
            }
            res.end();
        }, 7, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        EngineSettings settings = withWriteTimeout(500);
        engine = new HttpEngine(settings, (m, p) -> found, workers, "nio", 1);
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // never read: the server's buffers fill, and the write timeout ends the connection
            assertEquals(dev.spindle.api.Outcome.TIMED_OUT, outcome.get(20, java.util.concurrent.TimeUnit.SECONDS));
            s.setSoTimeout(10_000);
            long received = s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertTrue(received < 32L << 20, "the response was cut off: " + received);
        }
    }
}
