package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.WorkerPool;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The worker pool under handlers that hold their workers, over real sockets: one route cannot
 * take every worker, a request does not wait for a worker past the queue timeout, and a handler
 * that writes on regardless of {@code false} to a client that reads nothing holds neither
 * unbounded memory nor its worker beyond the write timeout.
 */
class WorkerLimitsTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Socket> sockets = new ArrayList<>();
    private WorkerPool workers;
    private HttpEngine engine;

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (engine != null) {
            engine.close();
        }
        workers.shutdown();
    }

    /** /hog holds its worker until released; /quick answers at once; both blocking. */
    private InetSocketAddress start(WorkerPool pool, EngineSettings settings, AtomicInteger hogsRunning)
            throws InterruptedException {
        workers = pool;
        RouteTarget hog = new RouteTarget((req, res) -> {
            hogsRunning.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            res.end("hog");
        }, 1, true, false);
        RouteTarget quick = new RouteTarget((req, res) -> res.end("quick"), 2, true, false);
        HandlerResolver resolver = (method, path) -> HandlerResolver.Resolution.found(path.startsWith("/hog") ? hog : quick);
        engine = new HttpEngine(settings, resolver, workers, "nio", 1);
        return engine.start("127.0.0.1", 0);
    }

    private Socket send(InetSocketAddress at, String path) throws IOException {
        Socket s = new Socket(at.getAddress(), at.getPort());
        sockets.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    @Test
    void oneRouteCannotTakeEveryWorker() throws Exception {
        AtomicInteger hogs = new AtomicInteger();
        InetSocketAddress at = start(new WorkerPool(4, 0, 100, 0), EngineSettings.defaults(), hogs);
        for (int i = 0; i < 8; i++) {
            send(at, "/hog");
        }
        waitUntil(() -> hogs.get() == 2);
        long started = System.nanoTime();
        String quick = SocketResponses.readResponse(send(at, "/quick").getInputStream());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(quick.endsWith("\r\n\r\nquick"), quick);
        assertTrue(millis < 2000, "another route waited " + millis + " ms for a worker");
        assertEquals(2, hogs.get(), "the hogging route ran more than half the workers");
        release.countDown();
        waitUntil(() -> hogs.get() == 8); // the waiting ones run in turn
    }

    @Test
    void aRequestWaitingTooLongForAWorkerGets503WithRetryAfter() throws Exception {
        AtomicInteger hogs = new AtomicInteger();
        InetSocketAddress at = start(new WorkerPool(1, 1, 100, 300), EngineSettings.defaults(), hogs);
        send(at, "/hog");
        waitUntil(() -> hogs.get() == 1);
        long started = System.nanoTime();
        String answer = SocketResponses.readResponse(send(at, "/hog").getInputStream());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(answer.startsWith("HTTP/1.1 503 Service Unavailable\r\n") && answer.contains("\r\nRetry-After: 1\r\n"),
                answer);
        assertTrue(millis >= 250 && millis < 3000, "answered after " + millis + " ms");
        release.countDown();
        assertEquals(1, hogs.get(), "the request answered 503 still ran");
    }

    @Test
    void aWorkerWritingOnRegardlessOfBackpressureWaitsAndIsReleasedByTheWriteTimeout() throws Exception {
        int chunk = 64 * 1024;
        long total = 64L << 20;
        AtomicLong written = new AtomicLong();
        CountDownLatch returned = new CountDownLatch(1);
        Handler flood = (req, res) -> {
            try {
                res.setHeader("Content-Length", total);
                byte[] data = new byte[chunk];
                for (long sent = 0; sent < total && !res.writableEnded(); sent += chunk) {
                    res.write(data); // ignores false
                    written.addAndGet(chunk);
                }
                res.end();
            } finally {
                returned.countDown();
            }
        };
        workers = new WorkerPool(2, 0, 100, 0);
        RouteTarget target = new RouteTarget(flood, 1, true, false);
        engine = new HttpEngine(Settings.defaults().writeTimeoutMillis(1000).build(),
                (m, p) -> HandlerResolver.Resolution.found(target), workers, "nio", 1);
        InetSocketAddress at = engine.start("127.0.0.1", 0);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(at);
            s.getOutputStream().write("GET /flood HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // the client reads nothing: the handler's writes stop once 1 MiB past the mark
            long before = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (written.get() != before && System.nanoTime() < deadline) {
                before = written.get();
                Thread.sleep(100);
            }
            assertTrue(written.get() < 16L << 20, "buffered " + written.get() + " bytes for a client reading nothing");
            assertTrue(returned.await(5, TimeUnit.SECONDS), "the worker is still held after the write timeout");
        }
    }


    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met in 5 s");
            Thread.sleep(5);
        }
    }
}
