package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the assembled container, as a service manager stops it: the listener closes at once,
 * idle connections close, what arrives on busy ones is answered, everything drains under one
 * deadline, what outlives it ends with {@code SERVER_SHUTDOWN}, and the process exits 0.
 */
class ShutdownIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long DRAIN_MILLIS = 2000;

    @Test
    void sigtermRefusesNewConnectionsAtOnceCutsEndlessStreamsAtTheDeadlineAndExitsZero() throws Exception {
        try (Container c = Container.prepare("shutdown-deadline")) {
            c.configure("drainTimeoutMillis", String.valueOf(DRAIN_MILLIS));
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log()); // a SIGTERM during the start is another case
            List<Socket> streams = new ArrayList<>();
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = open(c.port);
                    send(s, "GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
                    readUntil(s.getInputStream(), ": connected");
                    streams.add(s);
                }
                for (int i = 0; i < 3; i++) {
                    Socket s = open(c.port);
                    send(s, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
                    assertEquals("hello world", Http.read(s.getInputStream()).body);
                    idle.add(s);
                }

                long signalled = System.nanoTime();
                c.terminate();
                long refusedAfter = awaitRefused(c.port, signalled);
                // "at once" is told from "after the drain" (DRAIN_MILLIS): a loaded 2-core machine took
                // up to 400 ms from the signal to the JVM's shutdown hook closing the listener
                assertTrue(refusedAfter <= DRAIN_MILLIS / 2, "new connections refused only " + refusedAfter + " ms after SIGTERM");
                for (Socket s : idle) {
                    s.setSoTimeout(1000);
                    assertEquals(-1, s.getInputStream().read(), "an idle keep-alive connection is closed at once");
                }
                for (Socket s : streams) {
                    s.setSoTimeout((int) DRAIN_MILLIS + 3000);
                    String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertTrue(rest.contains("data: tick"), rest);
                    assertFalse(rest.endsWith("0\r\n\r\n"), "a cut stream has no last chunk: " + rest);
                }
                long streamsEnded = millisSince(signalled);
                assertTrue(streamsEnded >= DRAIN_MILLIS - 200, "streams cut before the deadline: " + streamsEnded + " ms");

                assertTrue(c.awaitExit(Duration.ofMillis(DRAIN_MILLIS + 5000)), c.log());
                long exited = millisSince(signalled);
                assertTrue(exited <= DRAIN_MILLIS + 1000, "exited " + exited + " ms after SIGTERM:\n" + c.log());
                assertEquals(0, c.exitValue(), "exit status of a clean SIGTERM");
                Matcher m = Pattern.compile("event stream to \\S+ ended after \\d+ tick\\(s\\): SERVER_SHUTDOWN").matcher(c.log());
                int ended = 0;
                while (m.find()) {
                    ended++;
                }
                assertEquals(2, ended, "onDone of each stream heard SERVER_SHUTDOWN:\n" + c.log());
            } finally {
                for (Socket s : streams) {
                    s.close();
                }
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aRequestArrivingOnABusyConnectionAfterSigtermIsAnsweredWithConnectionClose() throws Exception {
        try (Container c = Container.prepare("shutdown-busy")) {
            c.deploy(Jars.swapHandler(c.home.resolve("jars"), "1.0.0"));
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            try (Socket s = open(c.port)) {
                send(s, "GET /swap/stream?n=10 HTTP/1.1\r\nHost: t\r\n\r\n");
                InputStream in = s.getInputStream();
                String started = readUntil(in, "line 1 of 10");

                long signalled = System.nanoTime();
                c.terminate();
                assertTrue(awaitRefused(c.port, signalled) < 5000, "the server began to shut down");
                send(s, "GET /swap HTTP/1.1\r\nHost: t\r\n\r\n"); // after that, before the connection closes

                String stream = started + new String(readUntilBytes(in, "0\r\n\r\n"), StandardCharsets.ISO_8859_1);
                assertTrue(stream.contains("line 10 of 10 from 1.0.0\n"), "the stream in flight completes: " + stream);
                Http.Response next = Http.read(in);
                assertEquals(200, next.status, "the request after the signal is served, not parked: " + next.head);
                assertEquals("version=1.0.0", next.body);
                assertTrue(next.head.contains("\r\nConnection: close\r\n"), next.head);
                assertEquals(-1, in.read(), "then the connection closes");
            }
            assertTrue(c.awaitExit(Duration.ofSeconds(10)), c.log());
            assertEquals(0, c.exitValue());
        }
    }

    private static Socket open(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        return new String(readUntilBytes(in, marker), StandardCharsets.ISO_8859_1);
    }

    private static byte[] readUntilBytes(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before " + marker + ": " + seen.toString(StandardCharsets.ISO_8859_1));
            }
            seen.write(b);
        }
        return seen.toByteArray();
    }

    /** Connects until the port refuses (at most 5 s); returns when that was, in ms since {@code since}. */
    private static long awaitRefused(int port, long since) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                probe.setSoTimeout(50);
                probe.getInputStream().read();
            } catch (ConnectException refused) {
                return millisSince(since);
            } catch (SocketTimeoutException | java.net.SocketException accepted) {
                // accepted (and maybe closed at once): still listening a moment ago
            } catch (IOException other) {
                Thread.sleep(1);
            }
        }
        return Long.MAX_VALUE;
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
