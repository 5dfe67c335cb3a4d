package dev.spindle.host.internal.http.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.Conditions;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.Settings;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Node's {@code 'upgrade'} over a real socket: an upgrade handler gets the request and the raw
 * byte stream (the bytes sent right after the request included), writes its own 101, and speaks
 * its protocol (here: each line back upper-cased).
 */
class RawUpgradeTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(1);
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private HttpEngine engine;
    private RouteTarget shout;
    private RouteTarget http;
    private static final int BIG = 32 << 20;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        workers.shutdownNow();
    }

    private InetSocketAddress start() throws InterruptedException {
        return start(EngineSettings.defaults());
    }

    private InetSocketAddress start(EngineSettings settings) throws InterruptedException {
        shout = new RouteTarget((req, socket) -> {
            events.add("upgrade " + req.url() + " " + req.header("upgrade"));
            socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n");
            socket.onData(bytes -> socket.write(new String(bytes, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT)
                    .getBytes(StandardCharsets.UTF_8)));
            socket.onClose(() -> events.add("closed"));
        }, 3, null);
        http = new RouteTarget((req, res) -> {
            if (req.url().equals("/big")) {
                res.end(new byte[BIG]); // more than the socket takes at once
            } else {
                res.end("http " + req.header("upgrade"));
            }
        }, 1, false, false);
        HandlerResolver resolver = new HandlerResolver() {
            @Override
            public Resolution resolve(String method, String path) {
                return Resolution.found(http);
            }

            @Override
            public Resolution resolveUpgrade(String path, String protocol) {
                return path.equals("/shout") && protocol.equalsIgnoreCase("shout") ? Resolution.found(shout)
                        : Resolution.notFound();
            }
        };
        engine = new HttpEngine(settings, resolver, workers, "nio", 1);
        return engine.start("127.0.0.1", 0);
    }

    private static String read(InputStream in, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < n) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theHandlerGetsTheRequestAndTheByteStreamAndWritesItsOwn101() throws Exception {
        InetSocketAddress at = start();
        String head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n";
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            // the first bytes of the new protocol come in the same packet as the request
            s.getOutputStream().write(("GET /shout?x=1 HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: other, SHOUT\r\n\r\n"
                    + "hello ").getBytes(StandardCharsets.US_ASCII));
            assertEquals(head + "HELLO ", read(s.getInputStream(), head.length() + 6));
            assertEquals("upgrade /shout?x=1 other, SHOUT", events.poll(5, TimeUnit.SECONDS));
            s.getOutputStream().write("again".getBytes(StandardCharsets.US_ASCII));
            assertEquals("AGAIN", read(s.getInputStream(), 5));
            assertEquals(1, shout.inFlight());
        }
        assertEquals("closed", events.poll(5, TimeUnit.SECONDS));
        assertTrue(Conditions.within5s(() -> shout.inFlight() == 0));
    }

    /**
     * A request answered in the read batch that also brings the upgrade: its response goes out
     * before the 101 (it was lost in the encoder's batch buffer), its exchange ends (it stayed in
     * flight for ever, so a drain of its handler waited for the timeout), and it is counted at
     * once, not when another connection of the loop ends a batch.
     */
    @Test
    void aRequestPipelinedBeforeTheUpgradeIsCountedAtOnce() throws Exception {
        InetSocketAddress at = start();
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /first HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /shout HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answers = readUntil(s.getInputStream(), "Upgrade: shout\r\nConnection: Upgrade\r\n\r\n");
            assertTrue(answers.startsWith("HTTP/1.1 200 OK\r\n") && answers.contains("HTTP/1.1 101 "), answers);
            // the socket stays open and silent; no other connection reads on this loop
            assertTrue(Conditions.within5s(() -> http.responses(2) == 1), "2xx counted: " + http.responses(2));
            assertEquals(0, http.inFlight(), "the exchange ended: a drain of its handler would wait for it");
        }
    }

    /**
     * A large response pipelined before the upgrade ends after the HTTP/1.1 handlers left (its flush
     * could not go out at once): the upgraded connection is not the keep-alive timer's to close.
     */
    @Test
    void theUpgradedConnectionOutlivesTheKeepAliveTimeoutOfTheOneItWas() throws Exception {
        InetSocketAddress at = start(Settings.defaults().keepAliveTimeoutMillis(200).build());
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /shout HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String big = readUntil(in, "\r\n\r\n");
            assertTrue(big.startsWith("HTTP/1.1 200 OK\r\n") && big.contains("Content-Length: " + BIG + "\r\n"), big);
            in.skipNBytes(BIG); // the body; an EOFException if the connection ends before it
            String upgraded = readUntil(in, "Upgrade: shout\r\nConnection: Upgrade\r\n\r\n");
            assertTrue(upgraded.startsWith("HTTP/1.1 101 "), upgraded);
            // well past the keep-alive timeout of the HTTP/1.1 connection it was
            Thread.sleep(1000);
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertEquals("PING", read(s.getInputStream(), 4));
        }
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!out.toString(StandardCharsets.UTF_8).endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anUpgradeToAProtocolNoHandlerTakesIsAnOrdinaryRequest() throws Exception {
        InetSocketAddress at = start();
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /shout HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: whisper\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            // read to the end of the body, not to the connection's end: the server keeps it alive
            // (its keep-alive timeout is this socket's read timeout, so the end was a race)
            String response = readUntil(s.getInputStream(), "http whisper");
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n") && response.endsWith("http whisper"), response);
        }
        assertTrue(events.isEmpty());
    }

    @Test
    void theEndOfItsHandlerClosesTheConnection() throws Exception {
        InetSocketAddress at = start();
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /shout HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            read(s.getInputStream(), 73); // the 101 head
            assertTrue(events.poll(5, TimeUnit.SECONDS).startsWith("upgrade "));
            engine.endServedBy(shout, Outcome.HANDLER_REMOVED);
            assertEquals(-1, s.getInputStream().read());
        }
        assertEquals("closed", events.poll(5, TimeUnit.SECONDS));
    }

}
