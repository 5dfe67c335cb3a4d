package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Hot deploy of a WebSocket handler under load: 200 sockets (the JDK's WebSocket client) each
 * send numbered messages one after another while the handler bundle is updated 10 times, through
 * File Install and through the framework. Each socket's answers come back in order, each once,
 * from the version that accepted it; new upgrades reach the new version at once; a socket the
 * old version still holds when the drain timeout runs out gets a clean close 1001 (a close frame,
 * no error) and its client connects again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebSocketHotDeployIT {

    private static final Duration SWAP_LIMIT = Duration.ofSeconds(20);
    private static final int SOCKETS = 200;
    private static final int UPDATES = 10;
    private static final long DRAIN_MILLIS = 1000;

    @Inject
    private BundleContext context;

    private Path deploy;
    private Path jars;
    private int port;

    @Configuration
    public Option[] config() {
        Path dir = Paths.get(System.getProperty("spindle.work"), "ws-hotdeploy-" + System.nanoTime(), "deploy");
        return options(Provisioning.spindle(Http.freePort(), 10_000, DRAIN_MILLIS), SwapBundle.fileInstall(dir));
    }

    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        deploy = Paths.get(context.getProperty(SwapBundle.DEPLOY_PROPERTY));
        jars = deploy.resolveSibling("jars");
        if (SwapBundle.find(context) == null) {
            Jars.drop(Jars.swapHandler(jars, "1.0.0"), deploy, "swap.jar");
            awaitVersion("1.0.0");
        }
    }

    private String servedVersion() throws IOException {
        return SwapBundle.servedVersion(port);
    }

    private void awaitVersion(String version) throws Exception {
        SwapBundle.awaitVersion(port, version, SWAP_LIMIT);
    }

    /**
     * One client socket, sending the next number as soon as the last one's answer arrived. The
     * JDK's client refuses a send while its previous one has not completed (the future fails
     * with {@code IllegalStateException: Send pending}), and an answer can arrive before the send
     * that asked for it completed: each send waits for the one before.
     */
    private final class Client implements WebSocket.Listener {
        final int id;
        final StringBuilder text = new StringBuilder();
        volatile WebSocket socket;
        volatile String version;
        volatile boolean stopping;
        long sent;
        /** The last send on the current socket. */
        CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
        final CompletableFuture<Void> idle = new CompletableFuture<>();

        Client(int id) {
            this.id = id;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                received(ws, m);
            }
            ws.request(1);
            return null;
        }

        private synchronized void received(WebSocket ws, String m) {
            if (m.startsWith("hello ")) {
                version = m.substring(6);
                greetings.computeIfAbsent(version, v -> new AtomicLong()).incrementAndGet();
            } else {
                String expected = "c" + id + "-" + sent + " " + version;
                if (!m.equals(expected)) {
                    problems.add("socket " + id + ": expected '" + expected + "', got '" + m + "'");
                }
                answers.incrementAndGet();
            }
            if (stopping) {
                idle.complete(null);
                return;
            }
            sent++;
            String next = "c" + id + "-" + sent;
            lastSend = lastSend.handle((done, failure) -> null).thenCompose(x -> ws.sendText(next, true))
                    .whenComplete((done, failure) -> {
                        if (failure != null && !ws.isOutputClosed()) { // a socket closing fails it: not a loss
                            problems.add("socket " + id + " could not send " + next + ": " + failure);
                            idle.complete(null);
                        }
                    });
        }

        @Override
        public synchronized CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closes.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
            if (code != 1001 && !(stopping && code == WebSocket.NORMAL_CLOSURE)) { // 1000: the answer to the test's own close
                problems.add("socket " + id + " closed with " + code + " " + reason);
            }
            if (!stopping) {
                connect(); // a new socket, on the version serving now
            } else {
                idle.complete(null);
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            problems.add("socket " + id + " failed: " + error);
            idle.complete(null);
        }

        void connect() {
            synchronized (this) {
                sent = 0;
                version = null;
                lastSend = CompletableFuture.completedFuture(null);
            }
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/swap-ws"), this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            problems.add("socket " + id + " could not connect: " + failure);
                            idle.complete(null);
                        } else {
                            socket = ws;
                        }
                    });
        }
    }

    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> greetings = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> closes = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger answers = new AtomicInteger();
    private HttpClient http;

    @Test
    public void tenUpdatesUnder200SocketsLoseNoMessageAndCloseOnlyWith1001() throws Exception {
        Map<String, Path> byVersion = Map.of("1.0.0", Jars.swapHandler(jars, "1.0.0"), "2.0.0", Jars.swapHandler(jars, "2.0.0"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        http = HttpClient.newBuilder().executor(pool).build();
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SOCKETS; i++) {
                Client c = new Client(i);
                clients.add(c);
                c.connect();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (greetings.values().stream().mapToLong(AtomicLong::get).sum() < SOCKETS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("every socket greeted", SOCKETS, greetings.values().stream().mapToLong(AtomicLong::get).sum());
            String current = servedVersion();
            for (int i = 0; i < UPDATES; i++) {
                String next = current.equals("1.0.0") ? "2.0.0" : "1.0.0";
                int before = answers.get();
                if (i % 2 == 0) {
                    Jars.drop(byVersion.get(next), deploy, "swap.jar");
                } else {
                    Bundle b = SwapBundle.find(context);
                    try (InputStream in = Jars.open(byVersion.get(next))) {
                        b.update(in);
                    }
                    Frameworks.refresh(context, b);
                }
                awaitVersion(next);
                assertEquals("a new socket reaches the new version at once", "hello " + next, greetingOfNewSocket());
                assertTrue("messages flow during update " + i, answers.get() > before);
                current = next;
            }
            for (Client c : clients) {
                synchronized (c) {
                    c.stopping = true;
                }
            }
            for (Client c : clients) {
                try {
                    c.idle.get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    synchronized (c) {
                        problems.add("socket " + c.id + " got no answer within 20 s: version " + c.version + ", "
                                + c.sent + " sent, socket " + c.socket);
                    }
                }
            }
            for (Client c : clients) {
                WebSocket ws = c.socket;
                if (ws != null && !ws.isOutputClosed()) {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue("problems: " + problems, problems.isEmpty());
        long forced = closes.getOrDefault(1001, new AtomicLong()).get();
        assertTrue("sockets were moved over with 1001: " + closes, forced >= SOCKETS);
        assertTrue("answers: " + answers.get(), answers.get() > SOCKETS * UPDATES);
    }

    /** The greeting a socket opened now receives. */
    private String greetingOfNewSocket() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/swap-ws"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            return first.get(10, TimeUnit.SECONDS);
        } finally {
            ws.abort();
        }
    }
}
