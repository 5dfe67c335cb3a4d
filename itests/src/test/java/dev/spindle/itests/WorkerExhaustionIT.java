package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker-exhaustion attack on the assembled container: clients that request a large file from
 * the {@code files} sample (a {@code spindle.blocking} handler) and never read must not take the
 * workers from another blocking route, nor from small files of the same route.
 */
class WorkerExhaustionIT {

    private static final int ATTACKERS = 16;
    private static Container container;

    @BeforeAll
    static void start() throws Exception {
        container = Container.prepare("workers");
        try (RandomAccessFile big = new RandomAccessFile(container.home.resolve("www/big.bin").toFile(), "rw")) {
            big.setLength(64L << 20); // far more than the socket buffers of a client that reads nothing
        }
        // a second blocking route: the same sample on another folder
        Path other = container.home.resolve("config/dev.spindle.samples.files-other.cfg");
        Files.writeString(other, "folder = www\nspindle.route = /other/*\nspindle.blocking = true\n");
        container.start(false);
        assertTrue(Http.awaitOk(container.port, "/files/index.html", Duration.ofSeconds(60)), container.log());
        assertTrue(Http.awaitOk(container.port, "/other/index.html", Duration.ofSeconds(60)), container.log());
    }

    @AfterAll
    static void stop() throws Exception {
        container.close();
    }

    @Test
    void clientsThatNeverReadALargeFileHoldNoWorkerFromOtherBlockingRoutes() throws Exception {
        List<Socket> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < ATTACKERS; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(16 * 1024);
                s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), container.port));
                s.getOutputStream().write("GET /files/big.bin HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                attackers.add(s);
            }
            // each attacker has its head (the handler ran); none reads on
            for (Socket s : attackers) {
                s.setSoTimeout(10_000);
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 200", status);
            }
            List<Long> micros = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int i = 0;
            while (System.nanoTime() < until && micros.size() < 2000) {
                String path = i++ % 2 == 0 ? "/other/index.html" : "/files/index.html";
                long t0 = System.nanoTime();
                Http.Response r = Http.get(container.port, path);
                micros.add((System.nanoTime() - t0) / 1000);
                assertEquals(200, r.status, path);
            }
            Collections.sort(micros);
            long p99 = micros.get((int) Math.ceil(micros.size() * 0.99) - 1);
            System.out.printf("WorkerExhaustionIT: %d requests beside %d stalled downloads, p50 %.2f ms, p99 %.2f ms,"
                    + " max %.2f ms%n", micros.size(), ATTACKERS, micros.get(micros.size() / 2) / 1000.0,
                    p99 / 1000.0, micros.get(micros.size() - 1) / 1000.0);
            assertTrue(micros.size() >= 100, "only " + micros.size() + " requests answered in 3 s");
            assertTrue(p99 < 500_000, "p99 " + p99 / 1000 + " ms beside the stalled downloads");
        } finally {
            for (Socket s : attackers) {
                s.close();
            }
        }
    }
}
