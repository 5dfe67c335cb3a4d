package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;
import dev.spindle.api.ServerResponse;
import dev.spindle.host.internal.http.StrictHttp.Client;
import dev.spindle.host.internal.http.StrictHttp.Reply;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The threading rules of an exchange, over real sockets against a real {@link HttpEngine}: one
 * thread (the exchange's event loop) owns its state, so a worker racing the host's response
 * timeout yields exactly one well-formed response and exactly one outcome; a worker calling into
 * an exchange after the event loops have stopped is told the response is destroyed instead of
 * getting an exception or leaking its data; and handlers on two event loops writing to each
 * other's responses at the same moment do not deadlock, because calls from another event loop
 * are queued, not awaited.
 */
class ExchangeThreadingTest {

    private static final int WAIT_SECONDS = StrictHttp.WAIT_SECONDS;
    private static final String TIMEOUT_BODY = "Service Unavailable";

    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private HttpEngine engine;

    @AfterEach
    void stop() throws InterruptedException {
        stopEngine();
        workers.shutdownNow();
        workers.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private InetSocketAddress start(EngineSettings settings, Handler handler, boolean blocking, int ioThreads)
            throws InterruptedException {
        RouteTarget target = new RouteTarget(handler, 1, blocking, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(settings, (method, path) -> found, workers, "nio", ioThreads);
        return engine.start("127.0.0.1", 0);
    }

    /** Closes the listener and every connection and waits for the event loops to terminate. */
    private void stopEngine() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    private static EngineSettings withResponseTimeout(long millis) {
        return Settings.defaults().responseTimeoutMillis(millis).build();
    }

    // ---------------------------------------------------------------- one owner for an exchange's state

    private static String handlerBody(int id) {
        return "handled request " + id;
    }

    /** Up to 10 ms: two of these around a 10 ms response timeout make the handler lose about half the time. */
    private static void randomPause() {
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(10_000_000L));
    }

    /** A request as one client saw it: its response, and for a connection that ended, what came after it. */
    private record Exchanged(int id, Reply reply, String after) {
    }

    /**
     * A worker shapes and ends its response while the host's 10 ms response timeout may answer
     * 503 for it at any point in between. Every request gets exactly one complete response on
     * the wire, the handler's or the host's, never parts of both, and exactly one outcome that
     * matches it.
     */
    @Test
    void aWorkerRacingTheResponseTimeoutYieldsExactlyOneWellFormedResponse() throws Exception {
        int clients = 3;
        int perClient = 100;
        Map<Integer, List<Outcome>> outcomes = new ConcurrentHashMap<>();
        Map<Integer, String> handlerErrors = new ConcurrentHashMap<>();
        Handler handler = (req, res) -> {
            int id = Integer.parseInt(req.path().substring("/r/".length()));
            res.onDone(o -> outcomes.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(o));
            try {
                res.setHeader("Content-Type", "text/plain");
                randomPause();
                res.setHeader("X-Request-Id", id);
                randomPause();
                res.setHeader("X-Handler", "blocking");
                res.end(handlerBody(id));
            } catch (RuntimeException e) {
                handlerErrors.put(id, e instanceof HttpException h ? h.code() : e.toString());
            }
        };
        InetSocketAddress at = start(withResponseTimeout(10), handler, true, 2);

        List<Exchanged> seen = new ArrayList<>();
        ExecutorService clientThreads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<Exchanged>>> runs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int from = c * perClient;
                runs.add(clientThreads.submit(() -> requestInTurn(at, from, perClient)));
            }
            for (Future<List<Exchanged>> run : runs) {
                seen.addAll(run.get(30, TimeUnit.SECONDS));
            }
        } finally {
            clientThreads.shutdownNow();
        }
        int total = clients * perClient;
        assertEquals(total, seen.size());
        waitUntil(() -> outcomes.size() == total, () -> "outcomes heard for " + outcomes.size() + " of " + total);
        // no handler is running and no event loop runs any more: nothing can fire after this
        workers.shutdown();
        assertTrue(workers.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS), "handlers still running");
        stopEngine();

        int answered = 0;
        int timedOut = 0;
        for (Exchanged x : seen) {
            Reply r = x.reply();
            String what = "request " + x.id() + ": " + r;
            if (r.status().equals("HTTP/1.1 200 OK")) {
                answered++;
                assertEquals(Set.of("content-type", "x-request-id", "x-handler", "date", "connection", "keep-alive",
                        "content-length"), r.names(), what);
                assertEquals(List.of(String.valueOf(x.id())), r.values("X-Request-Id"), what);
                assertEquals(List.of("blocking"), r.values("X-Handler"), what);
                assertEquals(List.of("keep-alive"), r.values("Connection"), what);
                assertEquals(List.of(String.valueOf(handlerBody(x.id()).length())), r.values("Content-Length"), what);
                assertEquals(handlerBody(x.id()), r.body(), what);
                assertEquals(List.of(Outcome.COMPLETED), outcomes.get(x.id()), what);
                assertNull(handlerErrors.get(x.id()), what);
            } else {
                timedOut++;
                assertEquals("HTTP/1.1 503 Service Unavailable", r.status(), what);
                assertEquals(Set.of("content-type", "content-length", "date", "connection"), r.names(), what);
                assertEquals(List.of("close"), r.values("Connection"), what);
                assertEquals(List.of("text/plain"), r.values("Content-Type"), what);
                assertEquals(List.of(String.valueOf(TIMEOUT_BODY.length())), r.values("Content-Length"), what);
                assertEquals(TIMEOUT_BODY, r.body(), what);
                assertEquals("", x.after(), what + ": bytes after the timeout answer");
                assertEquals(List.of(Outcome.TIMED_OUT), outcomes.get(x.id()), what);
                String error = handlerErrors.get(x.id());
                assertTrue(error == null || error.equals(HttpException.ERR_HTTP_HEADERS_SENT), what + ": handler saw " + error);
            }
            if (x.after() != null) {
                assertEquals("", x.after(), what + ": bytes after the last response");
            }
        }
        assertTrue(answered > 0 && timedOut > 0,
                "the race was not exercised: " + answered + " answered by the handler, " + timedOut + " timed out");
    }

    /**
     * One client's requests, each sent once the previous response is read: on one connection
     * while it is kept alive, on a new one after a response that closes it.
     */
    private static List<Exchanged> requestInTurn(InetSocketAddress at, int from, int count) throws IOException {
        List<Exchanged> seen = new ArrayList<>();
        Client client = null;
        try {
            for (int id = from; id < from + count; id++) {
                if (client == null) {
                    client = new Client(at);
                }
                client.send("GET /r/" + id + " HTTP/1.1\r\nHost: t\r\n\r\n");
                Reply reply = client.reply();
                String after = null;
                if (reply.values("Connection").contains("close")) {
                    after = client.rest();
                    client.close();
                    client = null;
                }
                seen.add(new Exchanged(id, reply, after));
            }
            if (client != null) {
                client.socket.shutdownOutput();
                Exchanged last = seen.remove(seen.size() - 1);
                seen.add(new Exchanged(last.id(), last.reply(), client.rest()));
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
        return seen;
    }

    // ---------------------------------------------------------------- submitting after shutdown

    /**
     * A worker still holding a response when the engine stops: its writes and end find no event
     * loop to run on. The handler gets no exception, each {@code write} returns false, each
     * callback hears {@code ERR_STREAM_DESTROYED} once, and the written data is released: the
     * leak detector checks after the test. It sees the second write, whose bytes are copied into
     * a pooled buffer; a string as short as {@code "x"} becomes an unpooled heap array, which it
     * does not track.
     */
    @Test
    void aWorkerWritingAfterShutdownIsToldTheResponseIsDestroyed() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch handlerDone = new CountDownLatch(1);
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        List<HttpException> callbackHeard = new CopyOnWriteArrayList<>();
        List<Boolean> wrote = new CopyOnWriteArrayList<>();
        InetSocketAddress at = start(EngineSettings.defaults(), (req, res) -> {
            entered.countDown();
            try {
                if (!release.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    thrown.add(new IllegalStateException("never released"));
                }
                wrote.add(res.write("x", "utf8", callbackHeard::add));
                wrote.add(res.write(new byte[2048], callbackHeard::add));
                res.end();
            } catch (Throwable t) {
                thrown.add(t);
            } finally {
                handlerDone.countDown();
            }
        }, true, 1);
        try (Client client = new Client(at)) {
            client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS), "the handler was not called");
            stopEngine();
            assertEquals("", client.rest(), "the client saw the connection close without a response");
        }
        release.countDown();
        assertTrue(handlerDone.await(WAIT_SECONDS, TimeUnit.SECONDS), "the handler did not return");
        assertEquals(List.of(), thrown, "the handler saw an exception");
        assertEquals(List.of(false, false), wrote, "what write() returned after shutdown");
        assertEquals(2, callbackHeard.size(), "calls of the write callbacks: " + callbackHeard);
        for (HttpException heard : callbackHeard) {
            assertNotNull(heard, "a write callback heard success");
            assertEquals(HttpException.ERR_STREAM_DESTROYED, heard.code());
        }
    }

    // ---------------------------------------------------------------- calls from another event loop

    /**
     * Two connections on two event loops each hold a streaming response; a second request on
     * each has its handler, on its own loop, write to and end the other connection's response at
     * the same moment (both wait for each other first, at most 2 s). Had either call waited for
     * the other loop, both loops would wait forever; queued, both streams get the other's chunk.
     */
    @Test
    void handlersOnTwoEventLoopsWritingToEachOthersResponsesDoNotDeadlock() throws Exception {
        Map<String, ServerResponse> streams = new ConcurrentHashMap<>();
        Map<String, String> crossThreads = new ConcurrentHashMap<>();
        Map<String, Boolean> accepted = new ConcurrentHashMap<>();
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        CyclicBarrier together = new CyclicBarrier(2);
        Handler handler = (req, res) -> {
            String[] path = req.path().split("/");
            String thread = Thread.currentThread().getName();
            try {
                if (path[1].equals("open")) {
                    streams.put(path[2], res);
                    res.setHeader("Content-Type", "text/plain");
                    res.write(thread + "\n");
                    return;
                }
                String self = path[2];
                String other = path[3];
                crossThreads.put(self, thread);
                try {
                    together.await(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    thrown.add(e);
                }
                ServerResponse theirs = streams.get(other);
                accepted.put(self, theirs.write("from " + self + "\n"));
                theirs.end();
                res.end(self + " crossed");
            } catch (RuntimeException e) {
                thrown.add(e);
            }
        };
        InetSocketAddress at = start(EngineSettings.defaults(), handler, false, 2);
        List<Client> opened = new ArrayList<>();
        try {
            Client a = open(at, "c0", opened);
            String loopA = a.chunk().trim();
            Client b = null;
            String loopB = null;
            for (int k = 1; k < 8 && b == null; k++) {
                Client c = open(at, "c" + k, opened);
                String loop = c.chunk().trim();
                if (!loop.equals(loopA)) {
                    b = c;
                    loopB = loop;
                }
            }
            assertNotNull(b, "8 connections, all on event loop " + loopA);
            String nameA = "c0";
            String nameB = "c" + (opened.size() - 1);

            a.send("GET /cross/" + nameA + "/" + nameB + " HTTP/1.1\r\nHost: t\r\n\r\n");
            b.send("GET /cross/" + nameB + "/" + nameA + " HTTP/1.1\r\nHost: t\r\n\r\n");

            assertEquals("from " + nameB + "\n", a.chunk(), "A's stream");
            assertEquals("", a.chunk(), "A's stream ended by B");
            assertEquals(nameA + " crossed", a.reply().body());
            assertEquals("from " + nameA + "\n", b.chunk(), "B's stream");
            assertEquals("", b.chunk(), "B's stream ended by A");
            assertEquals(nameB + " crossed", b.reply().body());
            assertEquals(List.of(), thrown, "the handlers saw exceptions");
            assertEquals(Map.of(nameA, true, nameB, true), accepted, "what write() returned to the other loop");
            assertEquals(Map.of(nameA, loopA, nameB, loopB), crossThreads, "where the writing handlers ran");
            assertNotEquals(loopA, loopB);
        } finally {
            for (Client c : opened) {
                c.close();
            }
        }
    }

    /** A connection whose streaming response has begun: the head is read, the first chunk is not. */
    private static Client open(InetSocketAddress at, String name, List<Client> opened) throws IOException {
        Client c = new Client(at);
        opened.add(c);
        c.send("GET /open/" + name + " HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply head = c.head();
        assertEquals("HTTP/1.1 200 OK", head.status(), head.toString());
        assertEquals(List.of("chunked"), head.values("Transfer-Encoding"), head.toString());
        return c;
    }

    // ---------------------------------------------------------------- the client side

    private static void waitUntil(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + WAIT_SECONDS + " s: " + what.get());
            }
            Thread.sleep(1);
        }
    }
}
