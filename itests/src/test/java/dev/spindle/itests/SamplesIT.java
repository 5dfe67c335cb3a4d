package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every sample handler, deployed in the default container, over a real socket. */
class SamplesIT {

    private static Container container;

    @BeforeAll
    static void start() throws Exception {
        container = Container.prepare("samples");
        container.start(false);
        assertTrue(Http.awaitOk(container.port, "/files/index.html", Duration.ofSeconds(60)), container.log());
        assertTrue(Http.awaitOk(container.port, "/api/notes", Duration.ofSeconds(60)), container.log());
    }

    @AfterAll
    static void stop() throws Exception {
        container.close();
    }

    private static Socket connect() throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), container.port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static Http.Response exchange(String request) throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return Http.read(s.getInputStream());
        }
    }

    /** Collects the text messages of one socket of the JDK's WebSocket client. */
    private static final class Lines implements java.net.http.WebSocket.Listener {
        final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                lines.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        String next() throws InterruptedException {
            String line = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            return line == null ? "(nothing within 10 s)" : line;
        }
    }

    @Test
    void chatBroadcastsEveryMessageToEverySocketOfTheRoomAndItsPageIsServed() throws Exception {
        Http.Response page = Http.get(container.port, "/files/chat.html");
        assertEquals(200, page.status);
        assertTrue(page.body.contains("'/chat?name='"), page.body);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI room = java.net.URI.create("ws://127.0.0.1:" + container.port + "/chat?name=");
        Lines ada = new Lines();
        Lines bob = new Lines();
        java.net.http.WebSocket a = http.newWebSocketBuilder().buildAsync(java.net.URI.create(room + "ada"), ada)
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("ada joined (1 here)", ada.next());
        java.net.http.WebSocket b = http.newWebSocketBuilder().buildAsync(java.net.URI.create(room + "bob"), bob)
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("bob joined (2 here)", ada.next());
        assertEquals("bob joined (2 here)", bob.next());
        a.sendText("hello", true);
        assertEquals("ada: hello", ada.next());
        assertEquals("ada: hello", bob.next());
        b.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("bob left", ada.next());
        a.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void helloAnswersHelloWorld() throws Exception {
        Http.Response r = Http.get(container.port, "/hello");
        assertEquals(200, r.status);
        assertEquals("hello world", r.body);
    }

    @Test
    void echoStreamsAMegabyteBackUnchanged() throws Exception {
        byte[] body = new byte[1 << 20];
        new Random(42).nextBytes(body);
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return readChunkedBody(s.getInputStream());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            out.write(("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            for (int i = 0; i < body.length; i += 8192) {
                out.write(body, i, Math.min(8192, body.length - i));
            }
            assertArrayEquals(body, echoed.get());
        }
    }

    private static byte[] readChunkedBody(InputStream in) throws Exception {
        String head = readLine(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        while (!readLine(in).isEmpty()) {
            // headers
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int size = Integer.parseInt(readLine(in), 16); size > 0; size = Integer.parseInt(readLine(in), 16)) {
            out.write(in.readNBytes(size));
            readLine(in);
        }
        readLine(in);
        return out.toByteArray();
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    @Test
    void trailersCarryTheMd5OfTheBodyAndHttp10GetsNone() throws Exception {
        Http.Response r = exchange("GET /trailers HTTP/1.1\r\nHost: t\r\n\r\n");
        assertTrue(r.head.contains("\r\nTrailer: Content-MD5\r\n"), r.head);
        assertTrue(r.head.contains("\r\nTransfer-Encoding: chunked\r\n"), r.head);
        String md5 = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("MD5").digest(r.body.getBytes(StandardCharsets.UTF_8)));
        assertEquals("Content-MD5: " + md5 + "\r\n", r.trailers);

        Http.Response old = exchange("GET /trailers HTTP/1.0\r\n\r\n");
        assertEquals(r.body, old.body);
        assertEquals("", old.trailers);
        assertFalse(old.head.contains("Transfer-Encoding"), old.head);
    }

    @Test
    void uploadInvitesAnAcceptableBodyAndHashesIt() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
                    + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            assertEquals("HTTP/1.1 100 Continue", readLine(in));
            assertEquals("", readLine(in));
            s.getOutputStream().write("some data".getBytes(StandardCharsets.ISO_8859_1));
            Http.Response r = Http.read(in);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("some data".getBytes(StandardCharsets.UTF_8)));
            assertEquals("received 9 bytes, sha256 " + sha + "\n", r.body);
        }
    }

    @Test
    void uploadRefusesTooLargeOrUnwantedBodiesBeforeTheyAreSent() throws Exception {
        Http.Response large = exchange("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                + "Content-Length: 999999999\r\nExpect: 100-continue\r\n\r\n");
        assertEquals(413, large.status);
        assertTrue(large.head.contains("\r\nConnection: close\r\n"), "the unsent body makes the connection unusable");
        Http.Response type = exchange("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-evil\r\n"
                + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        assertEquals(417, type.status);
        assertTrue(type.body.startsWith("uploads of application/x-evil are not taken"), type.body);
    }

    @Test
    void eventsTickUntilTheClientLeaves() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("data: tick 2")) {
                int b = in.read();
                assertTrue(b >= 0, seen.toString());
                seen.append((char) b);
            }
            assertTrue(seen.toString().contains("Content-Type: text/event-stream\r\n"), seen.toString());
        }
        assertNotNull(container.awaitLog(Pattern.compile("event stream to .* ended after \\d+ tick\\(s\\): CLIENT_ABORTED"),
                Duration.ofSeconds(20)), container.log());
    }

    @Test
    void filesServesWithEtagHeadAndNoWayOut() throws Exception {
        Http.Response r = Http.get(container.port, "/files/index.html");
        assertEquals(200, r.status);
        assertTrue(r.head.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"), r.head);
        assertTrue(r.body.contains("<h1>Spindle</h1>"));
        String etag = r.head.replaceAll("(?s).*\r\nETag: (\"[^\"]+\")\r\n.*", "$1");
        Http.Response cached = exchange("GET /files/index.html HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(304, cached.status);
        try (Socket s = connect()) {
            s.getOutputStream().write("HEAD /files/ HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            for (String l = readLine(in); !l.isEmpty(); l = readLine(in)) {
                head.append(l).append('\n');
            }
            assertTrue(head.toString().contains("Content-Length: " + r.body.getBytes(StandardCharsets.UTF_8).length), head.toString());
        }
        for (String escape : new String[] {"/files/../config/dev.spindle.host.cfg", "/files/%2e%2e/config/dev.spindle.host.cfg",
            "/files/..%2fconfig/dev.spindle.host.cfg", "/files//etc/passwd", "/files/nothing.txt"}) {
            assertEquals(404, Http.get(container.port, escape).status, escape);
        }
    }

    @Test
    void jsonCreatesReadsAndDeletesNotes() throws Exception {
        String body = "{\"text\":\"buy milk\"}";
        Http.Response created = exchange("POST /api/notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        assertEquals(201, created.status);
        String location = created.head.replaceAll("(?s).*\r\nLocation: ([^\r]+)\r\n.*", "$1");
        assertTrue(location.matches("/api/notes/\\d+"), created.head);
        assertTrue(created.head.contains("\r\nContent-Type: application/json\r\n"));
        Http.Response read = Http.get(container.port, location);
        assertEquals(200, read.status);
        assertTrue(read.body.contains("\"text\":\"buy milk\""), read.body);
        assertEquals(204, exchange("DELETE " + location + " HTTP/1.1\r\nHost: t\r\n\r\n").status);
        Http.Response gone = Http.get(container.port, location);
        assertEquals(404, gone.status);
        assertTrue(gone.body.startsWith("{\"error\":"), gone.body);
        Http.Response bad = exchange("POST /api/notes HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n{nope");
        assertEquals(400, bad.status);
        assertTrue(bad.body.startsWith("{\"error\":"), bad.body);
    }
}
