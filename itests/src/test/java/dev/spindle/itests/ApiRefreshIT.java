package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code update} + {@code refresh} of the API bundle under keep-alive load restarts the host (and
 * every handler) with it, and {@code update} of the host bundle restarts the host alone: the
 * listening socket stays open across the restart (parked for the next instance), so no client is
 * refused or reset, every request is answered, and no drain is spent on requests waiting for
 * handlers that restart with it. A {@code stop} of the host closes the socket at once.
 */
class ApiRefreshIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern API_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\|\\w+\\s*\\|\\s*\\d+\\|Spindle API ");
    private static final Pattern HOST_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\|\\w+\\s*\\|\\s*\\d+\\|Spindle host ");

    @Test
    void refreshingTheApiUnderLoadRefusesNoClientAndLeavesNoRequestUnanswered() throws Exception {
        try (Container c = Container.prepare("api-refresh")) {
            String id = startAndFind(c, API_LINE);
            String before = c.log();
            try (Clients clients = new Clients(8, c.port)) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                long servedBefore = clients.ok.sum();
                c.script("update " + id);
                c.script("refresh " + id);
                assertNotNull(c.awaitLog(Pattern.compile("(?s)" + Pattern.quote(before.substring(Math.max(0,
                        before.length() - 80))) + ".*Spindle listening on"), STARTUP), "the host restarted:\n" + c.log());
                long after = clients.ok.sum();
                until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < until || clients.ok.sum() < after + 100) {
                    Thread.sleep(50);
                }
                clients.close();
                String summary = clients.summary();
                System.out.println("ApiRefreshIT: " + summary);
                assertTrue(servedBefore > 0, summary);
                assertEquals(List.of(), clients.failures, summary);
                assertEquals(0, clients.refused.sum(), "the listening socket stayed open: " + summary);
                assertTrue(clients.answers.keySet().stream().allMatch(k -> k.equals("200") || k.equals("503")), summary);
                // what tells a hand-over from the old outage (a drain of 10 s spent on requests
                // parked for handlers restarting with the host), with room for a loaded machine
                assertTrue(clients.slowestMillis.get() < 5000, summary);
                assertFalse(c.log().contains("RejectedExecutionException"), c.log());
                assertFalse(c.log().contains("still busy after"), c.log());
            }
        }
    }

    @Test
    void updatingTheHostUnderLoadRefusesNoClientAndStoppingItClosesThePortAtOnce() throws Exception {
        try (Container c = Container.prepare("host-update")) {
            String id = startAndFind(c, HOST_LINE);
            Path log = c.home.resolve("var/log/spindle.log");
            try (Clients clients = new Clients(8, c.port)) {
                while (clients.ok.sum() < 1000) {
                    Thread.sleep(20);
                }
                // (the lines the update logs are in the log file; the container's output has only
                // the lines of its own threads, the console command's thread prints to the command)
                c.script("update " + id);
                long deadline = System.nanoTime() + STARTUP.toNanos();
                while (!Files.readString(log).contains("the socket the previous instance left open")
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(Files.readString(log).contains("the socket the previous instance left open"),
                        "the new instance took the socket over:\n" + Files.readString(log));
                long after = clients.ok.sum();
                while (clients.ok.sum() < after + 1000) {
                    Thread.sleep(20);
                }
                clients.close();
                String summary = clients.summary();
                System.out.println("ApiRefreshIT (host update): " + summary);
                assertEquals(List.of(), clients.failures, summary);
                assertEquals(0, clients.refused.sum(), "the listening socket stayed open: " + summary);
                assertEquals(Set.of("200"), clients.answers.keySet(), summary);
                // the console that ran the update is the host's own: its stop does not wait 5 s for
                // its own command to end, while the clients wait in the parked socket's backlog
                assertTrue(clients.slowestMillis.get() < 4000, summary);
            }
            assertFalse(Files.readString(log).contains("was not taken within"), Files.readString(log));
            // the operator's stop is no restart: nothing is parked, the port closes as the host
            // stops (and the console with it: the host serves it)
            c.script("stop " + id);
            assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), c.port).close());
            assertEquals(2, Pattern.compile("left open for the next host instance").matcher(Files.readString(log))
                    .results().count(), "parked at the update (cleartext and TLS), not at the stop");
        }
    }

    /** Starts {@code c} and returns the id of the bundle whose {@code lb} line {@code line} matches. */
    private static String startAndFind(Container c, Pattern line) throws Exception {
        c.start(false);
        assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
        assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
        Matcher m = line.matcher(c.script("lb"));
        assertTrue(m.find(), "lb lists the bundle " + line);
        return m.group(1);
    }

    /**
     * Keep-alive clients sending {@code GET /hello} back to back. A connection refused is retried
     * (and timed); a reused connection that the server closed before any byte of a response is
     * an idle close, which HTTP lets a client retry (RFC 9112, 9.3.1); anything else that ends a
     * request without its whole response is a failure.
     */
    private static final class Clients implements AutoCloseable {
        final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        final LongAdder ok = new LongAdder();
        final LongAdder idleCloses = new LongAdder();
        final LongAdder refused = new LongAdder();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicLong slowestMillis = new AtomicLong();
        private final AtomicLong firstRefused = new AtomicLong();
        private final AtomicLong lastRefused = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        Clients(int n, int port) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> run(port), "refresh-client-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        String summary() {
            Map<String, Long> counts = new TreeMap<>();
            answers.forEach((k, v) -> counts.put(k, v.sum()));
            return "answers " + counts + ", failures " + failures + ", idle closes " + idleCloses + ", "
                    + refused + " connections refused over " + refusedWindowMillis() + " ms, slowest "
                    + slowestMillis.get() + " ms";
        }

        long refusedWindowMillis() {
            return firstRefused.get() == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(lastRefused.get() - firstRefused.get());
        }

        private void run(int port) {
            byte[] request = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            while (running) {
                Socket s;
                try {
                    s = new Socket(InetAddress.getLoopbackAddress(), port);
                    s.setSoTimeout(10_000);
                } catch (ConnectException e) {
                    refused.increment();
                    long now = System.nanoTime();
                    firstRefused.compareAndSet(0, now);
                    lastRefused.set(now);
                    pause();
                    continue;
                } catch (IOException e) {
                    failures.add("connect: " + e);
                    pause();
                    continue;
                }
                try (s) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                    boolean reused = false;
                    while (running) {
                        long sent = System.nanoTime();
                        try {
                            out.write(request);
                        } catch (IOException e) {
                            if (reused) {
                                idleCloses.increment();
                            } else {
                                failures.add("write: " + e);
                            }
                            break;
                        }
                        in.mark(1);
                        int first;
                        try {
                            first = in.read();
                        } catch (IOException e) {
                            first = -2;
                        }
                        if (first < 0) {
                            if (reused && first != -2 || reused) {
                                idleCloses.increment();
                            } else {
                                failures.add("closed without a response on a new connection");
                            }
                            break;
                        }
                        in.reset();
                        Http.Response r;
                        try {
                            r = Http.read(in);
                        } catch (IOException e) {
                            failures.add("a response cut short: " + e);
                            break;
                        }
                        slowestMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent), Math::max);
                        answers.computeIfAbsent(String.valueOf(r.status), k -> new LongAdder()).increment();
                        if (r.status == 200) {
                            ok.increment();
                        }
                        if (r.head.contains("\r\nConnection: close\r\n")) {
                            break;
                        }
                        reused = true;
                    }
                } catch (IOException e) {
                    failures.add("close: " + e);
                }
            }
        }

        private static void pause() {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(15_000);
            }
        }
    }
}
