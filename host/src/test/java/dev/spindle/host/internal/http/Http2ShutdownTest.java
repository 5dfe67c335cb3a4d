package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.Outcome;

/**
 * HTTP/2 connections ending over real sockets: the shutdown (GOAWAY, open streams finishing, the
 * deadline and its grace) and the keep-alive timeout. Beside {@link Http2EngineTest}.
 */
class Http2ShutdownTest {

    @RegisterExtension
    final TestEngine server = new TestEngine();

    @Test
    void shutdownSendsGoAwayAndLetsAnOpenStreamFinishThenCloses() throws Exception {
        LinkedBlockingQueue<dev.spindle.api.ServerResponse> held = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> held.add(res));
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/hold"), true);
            dev.spindle.api.ServerResponse res = held.poll(5, TimeUnit.SECONDS);
            assertNotNull(res);
            java.util.List<HttpEngine.ConnectionSnapshot> open = server.engine.connections();
            assertEquals(1, open.size());
            assertEquals("h2c", open.get(0).protocol());
            assertEquals(1, open.get(0).openStreams());
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(5000));
            H2Wire.Frame f;
            do {
                f = w.read();
            } while (f != null && f.type() != H2Wire.GOAWAY);
            assertNotNull(f, "GOAWAY");
            assertEquals(0, f.errorCode());
            assertEquals(1, java.nio.ByteBuffer.wrap(f.payload()).getInt(0), "stream 1 is still served");
            res.end("late");
            H2Wire.Response r = w.response(1);
            assertEquals("late", r.text());
            assertEquals(0, cut.get(3, TimeUnit.SECONDS), "closed once the stream finished, well before the deadline");
            server.engine = null;
        }
    }

    /**
     * The last stream's end on a connection told GOAWAY shuts only the server's sending side: the
     * client reads the response, then the end of the stream, and what it still sends (here a
     * WINDOW_UPDATE for the DATA it took, as clients do) is read and dropped, where a socket closed
     * with it unread would answer with a TCP reset that can take the tail of the response with it.
     * The connection closes when the client closes its side.
     */
    @Test
    void afterTheLastStreamTheServerShutsItsSideAndClosesWhenTheClientDoes() throws Exception {
        LinkedBlockingQueue<dev.spindle.api.ServerResponse> held = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> held.add(res));
        H2Wire w = H2Wire.open(at);
        try {
            w.headers(1, H2Wire.request("GET", "/hold"), true);
            dev.spindle.api.ServerResponse res = held.poll(5, TimeUnit.SECONDS);
            assertNotNull(res);
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(5000));
            H2Wire.Frame f;
            do {
                f = w.read();
            } while (f != null && f.type() != H2Wire.GOAWAY);
            assertNotNull(f, "GOAWAY");
            res.end("late");
            assertEquals("late", w.response(1).text());
            assertEquals(null, w.read(), "the end of the stream after the last response");
            w.windowUpdate(0, 4);
            assertEquals(1, server.engine.connections().size(), "still open, reading what the client sends");
            assertTrue(!cut.isDone(), "the shutdown waits for the connection");
            w.close();
            assertEquals(0, cut.get(3, TimeUnit.SECONDS), "closed when the client closed, well before the deadline");
            server.engine = null;
        } finally {
            w.close();
        }
    }

    @Test
    void atTheShutdownDeadlineAStreamNeverAnsweredGets503() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> res.onDone(outcomes::add));
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/hold"), true);
            assertEquals(null, outcomes.poll(100, TimeUnit.MILLISECONDS));
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(300));
            H2Wire.Response r = w.response(1);
            assertEquals("503", r.status());
            assertEquals(Outcome.SERVER_SHUTDOWN, outcomes.poll(5, TimeUnit.SECONDS));
            assertEquals(1, cut.get(5, TimeUnit.SECONDS));
            server.engine = null;
        }
    }

    /**
     * At the shutdown deadline, as on HTTP/1.1: a stream still under way is reset
     * ({@code SERVER_SHUTDOWN}), but one whose response has ended, its DATA only queued behind a
     * window the client has not opened, is left to flush in the cut grace: a client that opens
     * its window then gets the whole response, and the connection closes after it.
     */
    @Test
    void atTheShutdownDeadlineAnEndedStreamQueuedBehindFlowControlFlushesInTheGraceNotReset() throws Exception {
        LinkedBlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
        int total = 200 * 1024;
        InetSocketAddress at = server.start((req, res) -> {
            res.onDone(outcome -> outcomes.add(req.url() + " " + outcome));
            if (req.url().equals("/ended")) {
                res.end(new byte[total]); // all but the client's window stays queued
            } else {
                res.write("partial"); // never ends
            }
        });
        // a grace wide enough for a loaded machine: what is asserted is that the ended stream
        // flushes once its window opens and the connection then closes, not how fast
        server.engine.cutGrace(10_000);
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/ended"), true);
            int got = 0;
            while (got < 65_535) {
                H2Wire.Frame f = w.read();
                assertNotNull(f, "the connection ended early");
                if (f.type() == H2Wire.DATA && f.stream() == 1) {
                    got += f.payload().length;
                }
            }
            w.headers(3, H2Wire.request("GET", "/partial"), true);
            H2Wire.Frame f;
            do {
                f = w.read();
            } while (f != null && !(f.type() == H2Wire.HEADERS && f.stream() == 3));
            assertNotNull(f, "the head of stream 3");
            long start = System.nanoTime();
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(300));
            do { // GOAWAY at once, then at the deadline the reset of the stream under way
                f = w.read();
                assertNotNull(f, "the connection closed before the deadline's reset");
                assertTrue(!(f.type() == H2Wire.RST_STREAM && f.stream() == 1), "the ended stream was reset");
            } while (!(f.type() == H2Wire.RST_STREAM && f.stream() == 3));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "reset at the deadline");
            w.windowUpdate(0, 1 << 20);
            w.windowUpdate(1, 1 << 20);
            H2Wire.Response rest = w.response(1);
            assertNotNull(rest, "the connection closed before the ended stream flushed");
            assertEquals(-1, rest.reset, "not reset");
            assertTrue(rest.ended, "END_STREAM");
            assertEquals(total - 65_535, rest.body.size());
            assertEquals(null, w.read(), "the connection closes once its streams are done");
            assertEquals(1, cut.get(5, TimeUnit.SECONDS), "busy at the deadline");
            server.engine = null;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 2; i++) {
            String o = outcomes.poll(5, TimeUnit.SECONDS);
            assertNotNull(o, "outcomes so far: " + seen);
            seen.add(o);
        }
        assertEquals(java.util.Set.of("/ended COMPLETED", "/partial SERVER_SHUTDOWN"), seen);
    }

    /**
     * The other side of the grace: an ended stream whose client never opens its window is not
     * reset at the deadline either; its connection is dropped when the cut grace is over, and the
     * exchange ends with {@code SERVER_SHUTDOWN}, as an HTTP/1.1 response its client does not take.
     */
    @Test
    void anEndedStreamWhoseWindowNeverOpensGoesWithItsConnectionAfterTheGrace() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            res.onDone(outcomes::add);
            res.end(new byte[200 * 1024]);
        });
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/ended"), true);
            H2Wire.Frame f;
            do {
                f = w.read();
            } while (f != null && f.type() != H2Wire.DATA);
            long start = System.nanoTime();
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(300));
            while ((f = w.read()) != null) {
                assertTrue(f.type() != H2Wire.RST_STREAM, "the ended stream was reset");
            }
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closedAfter >= 550, "closed " + closedAfter + " ms after the stop: not before the deadline and grace");
            assertEquals(1, cut.get(5, TimeUnit.SECONDS));
            assertEquals(Outcome.SERVER_SHUTDOWN, outcomes.poll(5, TimeUnit.SECONDS));
            server.engine = null;
        }
    }

    @Test
    void anIdleConnectionGetsGoAwayAndClosesAfterTheKeepAliveTimeout() throws Exception {
        InetSocketAddress at = server.start(Settings.defaults().keepAliveTimeoutMillis(200).build(), (req, res) -> res.end("x"));
        try (H2Wire w = H2Wire.open(at)) {
            w.headers(1, H2Wire.request("GET", "/once"), true);
            assertEquals("x", w.response(1).text());
            Map<Integer, H2Wire.Frame> seen = w.drain(3000);
            assertNotNull(seen.get(H2Wire.GOAWAY), "GOAWAY, got " + seen.keySet());
            assertEquals(0, seen.get(H2Wire.GOAWAY).errorCode());
            assertTrue(seen.containsKey(-1), "closed");
        }
    }
    /**
     * A client that stops reading once the socket is full, its last stream gone (here reset by
     * it): the keep-alive timeout still ends the connection. Its GOAWAY cannot reach the socket,
     * so the close that waits for it to flush before lingering must not wait for ever: nothing
     * else bounds it (no write timeout here; with one, only a write buffer over its high-water
     * mark arms it, and the GOAWAY alone never is). Older than the linger: the close through
     * Netty's graceful close waited for an empty write as well.
     */
    @Test
    void anIdleConnectionWhoseClientReadsNothingClosesAfterTheKeepAliveTimeout() throws Exception {
        InetSocketAddress at = server.start(Settings.defaults().keepAliveTimeoutMillis(200).writeTimeoutMillis(0).build(),
                (req, res) -> res.end(new byte[32 << 20]));
        java.net.Socket s = new java.net.Socket();
        s.setReceiveBufferSize(4096);
        s.connect(at);
        try (H2Wire w = H2Wire.open(s)) {
            w.headers(1, H2Wire.request("GET", "/huge"), true);
            w.windowUpdate(0, 1 << 30);
            w.windowUpdate(1, 1 << 30);
            Thread.sleep(500); // the server fills the socket: the client reads nothing
            w.rst(1, 8); // CANCEL: no stream is open, the connection is idle
            assertTrue(Conditions.within5s(() -> server.engine.connections().isEmpty()),
                    "closed after the keep-alive timeout (and at most the linger)");
        }
    }
}
