package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.connection.LingeringClose;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The server's close after a last response, over a real socket: the response is not lost to a
 * TCP reset when the client has sent more than the server will read (see
 * {@code LingeringClose}).
 */
class LingeringCloseTest {

    private static final int BODY = 256 * 1024;

    @RegisterExtension
    final TestEngine server = new TestEngine();

    /**
     * A {@code Connection: close} response larger than the client's receive buffer, the client
     * sending a pipelined request the server no longer reads: closing the socket with those bytes
     * unread would reset the connection and drop the part of the response still in the server's
     * send queue. The client, which has not read it yet, gets all of it, then the end of the stream.
     */
    @Test
    void aResponseTheClientHasNotReadYetSurvivesTheCloseThatFollowsIt() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            res.onDone(outcomes::add);
            res.setHeader("Connection", "close");
            res.end(new byte[BODY]);
        });
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096); // the client's window holds a few KiB: the rest waits in the server's send queue
            s.connect(at);
            // the response has ended, so the server has stopped reading: the pipelined request stays unread in its socket
            InputStream in = beginThenPipeline(s, "/big");
            assertEquals(Outcome.COMPLETED, outcomes.poll(5, TimeUnit.SECONDS), "the whole response is in the socket");
            // the server closes now (without lingering: at once, with the pipelined request unread)
            // or when its linger ends; only then does the client read
            assertTrue(Conditions.within5s(() -> server.engine.connections().isEmpty()), "the server closed the connection");
            assertWholeResponse(in, BODY);
        }
    }

    /**
     * The shutdown deadline passing while a {@code Connection: close} response still flushes to a
     * slow client (more than the kernel's buffers hold): the deadline's close after the flush comes
     * on top of the one the response asked for. Once the flush is done the first lingers; the
     * second, failing on the shut sending side, must leave the linger alone instead of closing the
     * socket with the client's pipelined request unread, which resets the connection and drops the
     * tail of the response the client is still taking within the cut grace.
     */
    @Test
    void theShutdownDeadlineDoesNotTurnALingerIntoAReset() throws Exception {
        int big = 32 << 20;
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        InetSocketAddress at = server.start((req, res) -> {
            res.onDone(outcomes::add);
            res.setHeader("Connection", "close");
            res.end(new byte[big]);
        });
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(at);
            s.setSoTimeout(10_000);
            InputStream in = beginThenPipeline(s, "/big");
            server.engine.cutGrace(5000);
            java.util.concurrent.CompletableFuture<Integer> cut = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.engine.close(100));
            Thread.sleep(400); // past the deadline, well within the grace: the client takes the rest now
            assertWholeResponse(in, big);
            assertEquals(1, cut.get(10, TimeUnit.SECONDS), "cut at the deadline");
            server.engine = null;
        }
    }

    /**
     * A response under way cut off by its handler's removal (past its drain): the connection ends
     * after what was written, lingering as any other, so the client reads the part it was sent and
     * the end of the stream (no reset, though its pipelined request is unread: the close after
     * flush the cut-off asks for comes on top of the connection's own, and the second must not
     * close the socket when the first begins to linger); and the exchange
     * ends with {@code HANDLER_REMOVED} as the linger begins, not when it ends: the removal waits
     * for it only {@code EXPIRY_MILLIS} (1 s) more, the linger's limit.
     */
    @Test
    void aResponseCutOffByItsHandlersRemovalEndsAtOnceAndItsConnectionLingers() throws Exception {
        LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        RouteTarget target = new RouteTarget((req, res) -> {
            res.onDone(outcomes::add);
            res.writeHead(200);
            res.write("part");
        }, 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        // one unanswered request at most: the pipelined one below stays unread
        InetSocketAddress at = server.startRoutes(new EngineSettings(8192, 16384, 8192, 10L << 20, 5000, 60_000, 1, 100,
                0, 0, 10_000, 60_000, 300_000, java.util.Set.of()), (m, p) -> found);
        try (Socket s = new Socket()) {
            s.connect(at);
            s.setSoTimeout(5000);
            InputStream in = beginThenPipeline(s, "/stream");
            long t0 = System.nanoTime();
            server.engine.endServedBy(target, Outcome.HANDLER_REMOVED);
            assertEquals(Outcome.HANDLER_REMOVED, outcomes.poll(5, TimeUnit.SECONDS));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // at the linger's start, not its end (1 s later: the client keeps its socket open); the
            // margin is for a busy machine's scheduling, not a speed target
            assertTrue(ms < LingeringClose.LINGER_MILLIS - 100, "the exchange ended after " + ms + " ms");
            assertEquals(0, target.drain(300), "nothing in flight");
            Thread.sleep(200); // the server has shut its side (or closed) by now
            String text = new String(readAll(in), StandardCharsets.ISO_8859_1);
            assertTrue(text.endsWith("\r\n\r\n4\r\npart\r\n"), "what was sent, then the end: " + text);
        }
    }

    /**
     * A {@code Connection: close} answered by a handler on the event loop, in the read that brought
     * its request: the socket takes the response at once, so the linger begins inside that read,
     * whose end ({@code channelReadComplete}) must still reach the connection: it ends the span of
     * the handler calls the blocked-loop checker watches. Swallowed, the span ran on while the
     * client kept the connection (up to the linger's limit), and the checker reported the handler
     * as holding a loop that was idle.
     */
    @Test
    void aLingerBegunInsideAReadLetsThatReadEnd() throws Exception {
        java.util.List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        RouteTarget target = new RouteTarget((req, res) -> {
            res.setHeader("Connection", "close");
            res.end("quick");
        }, 47, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        InetSocketAddress at = server.startRoutes(EngineSettings.defaults(), (m, p) -> found);
        server.engine.warnBlockedLoops(200, (message, where) -> reports.add(message));
        try (Socket s = new Socket()) {
            s.connect(at);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /q HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1).endsWith("quick"));
            Thread.sleep(700); // the client keeps its side open; the server lingers, its loop idle
            assertEquals(java.util.List.of(), reports, "no handler held the loop");
            assertEquals(1, server.engine.totalRequests(), "the read's request counted");
        }
    }

    /**
     * Asks for {@code path}, waits for its response to begin, then pipelines another request, which
     * the server (ending the connection after the first) never reads. Returns the response's stream,
     * its first byte read.
     */
    private static InputStream beginThenPipeline(Socket s, String path) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(in.read() >= 0, "the response begins");
        out.write("GET /more HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return in;
    }

    /** The rest of a response whose first byte was read: its head, then {@code body} bytes, then the end. */
    private static void assertWholeResponse(InputStream in, int body) throws IOException {
        byte[] rest = readAll(in);
        String text = new String(rest, 0, Math.min(rest.length, 200), StandardCharsets.ISO_8859_1);
        int head = text.indexOf("\r\n\r\n");
        assertTrue(head > 0, "the head: " + text);
        assertEquals(body, rest.length - head - 4, "body bytes received");
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
        while ((n = in.read(b)) >= 0) {
            all.write(b, 0, n);
        }
        return all.toByteArray();
    }
}
