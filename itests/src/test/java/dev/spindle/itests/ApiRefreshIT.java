package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * every handler) with it: the hand-over leaves the port without a listener for well under a
 * second, answers every request it received, and spends no drain on requests waiting for handlers
 * that restart with it.
 */
class ApiRefreshIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern API_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\|\\w+\\s*\\|\\s*\\d+\\|Spindle API ");

    @Test
    void refreshingTheApiUnderLoadLeavesNoRequestUnansweredAndTheListenerGoneUnderASecond() throws Exception {
        try (Container c = Container.prepare("api-refresh")) {
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
            Matcher api = API_LINE.matcher(c.script("lb"));
            assertTrue(api.find(), "lb lists the API bundle");
            String id = api.group(1);
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
                Map<String, Long> answers = new TreeMap<>();
                clients.answers.forEach((k, v) -> answers.put(k, v.sum()));
                String summary = "answers " + answers + ", failures " + clients.failures + ", idle closes "
                        + clients.idleCloses + ", no listener for " + clients.refusedWindowMillis() + " ms, slowest "
                        + clients.slowestMillis.get() + " ms";
                System.out.println("ApiRefreshIT: " + summary);
                assertTrue(servedBefore > 0, summary);
                assertEquals(List.of(), clients.failures, summary);
                assertTrue(answers.keySet().stream().allMatch(k -> k.equals("200") || k.equals("503")), summary);
                // the target (under 1 s without a listener) is measured by bench/measure.py refresh;
                // here only what tells a hand-over from the old outage (a drain of 10 s spent on
                // requests parked for handlers restarting with the host), with room for a loaded machine
                assertTrue(clients.refusedWindowMillis() < 5000, summary);
                assertTrue(clients.slowestMillis.get() < 5000, summary);
                assertFalse(c.log().contains("RejectedExecutionException"), c.log());
                assertFalse(c.log().contains("still busy after"), c.log());
            }
        }
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
                } catch (ConnectException refused) {
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
