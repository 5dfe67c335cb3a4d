package dev.spindle.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Clients sending requests back to back on keep-alive connections until closed, counting every
 * answer by status and body and recording every failure (a reset, a close without
 * {@code Connection: close}, a timeout). After an answer with {@code Connection: close} a client
 * opens a new connection, as HTTP clients do. {@link #newConnections} clients open a connection
 * for each request instead.
 */
final class Load implements AutoCloseable {

    private final List<Thread> threads = new ArrayList<>();
    final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    Load(int clients, int port, String path) {
        this(clients, port, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Clients that open a connection for each request: a steady stream of new connections. */
    static Load newConnections(int clients, int port, String path) {
        return new Load(clients, port, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    private Load(int clients, int port, byte[] request) {
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> run(port, request), "load-client-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(int port, byte[] request) {
        while (running) {
            int answered = 0;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                while (running) {
                    out.write(request);
                    Http.Response r = Http.read(in);
                    answered++;
                    answers.computeIfAbsent(r.status + " " + r.body, k -> new LongAdder()).increment();
                    if (r.head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n")) {
                        break; // the server closes after this answer, as HTTP lets it: a new connection
                    }
                }
            } catch (IOException e) {
                if (running) {
                    failures.add(e + " (after " + answered + " answers on its connection)");
                }
            }
        }
    }

    long total() {
        return answers.values().stream().mapToLong(LongAdder::sum).sum();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(35));
        }
    }
}
