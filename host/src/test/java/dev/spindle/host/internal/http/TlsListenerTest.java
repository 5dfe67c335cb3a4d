package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.tls.TestCertificates;
import dev.spindle.host.internal.http.tls.TlsContexts;
import dev.spindle.host.internal.http.tls.TlsSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.handler.ssl.OpenSsl;

/** The HTTPS listener over real sockets: both providers, live certificate reload, and bad TLS input. */
class TlsListenerTest {

    @TempDir
    Path dir;
    private final ExecutorService workers = Executors.newFixedThreadPool(1);
    private HttpEngine engine;
    private TlsContexts tls;
    private Path cert;
    private Path key;
    private InetSocketAddress at;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (tls != null) {
            tls.close();
        }
        workers.shutdownNow();
    }

    private void start(String provider, long handshakeTimeoutMillis) throws Exception {
        Path[] pair = TestCertificates.make(dir, "first", "1001");
        cert = dir.resolve("server.crt");
        key = dir.resolve("server.key");
        Files.copy(pair[0], cert);
        Files.copy(pair[1], key);
        tls = new TlsContexts(new TlsSettings(1, cert, key, provider, List.of("TLSv1.3", "TLSv1.2"),
                List.of("h2", "http/1.1"), handshakeTimeoutMillis), true, 20);
        RouteTarget target = new RouteTarget((req, res) -> res.end("hello " + req.httpVersion()), 1, false, false);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(target);
        engine = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, "auto", 1);
        engine.start("127.0.0.1", 0);
        at = engine.listeners().startTls("127.0.0.1", 0, false, tls);
    }

    /** A client that trusts any certificate (the test looks at which one it got) and offers {@code alpn}. */
    private SSLSocket connect(String... alpn) throws Exception {
        SSLContext ctx = TestCertificates.trustAll();
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(at.getAddress(), at.getPort());
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(alpn);
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    private static BigInteger served(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static String get(Socket s) throws IOException {
        s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int i = h.indexOf("Content-Length: ");
        int length = Integer.parseInt(h.substring(i + 16, h.indexOf("\r\n", i)));
        return h.substring(0, h.indexOf("\r\n")) + " " + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    /** Whether a good client still gets its answer: the server stayed healthy. */
    private void assertHealthy() throws Exception {
        try (SSLSocket s = connect("http/1.1")) {
            assertEquals("HTTP/1.1 200 OK hello 1.1", get(s));
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void servesHttp11OverTlsWithEitherProvider(String provider) throws Exception {
        assumeTrue(!provider.equals("openssl") || OpenSsl.isAvailable(), "OpenSSL is not available here");
        start(provider, 10_000);
        assertTrue(tls.info().provider().startsWith(provider), tls.info().provider());
        try (SSLSocket s = connect("http/1.1")) {
            assertEquals("http/1.1", s.getApplicationProtocol());
            assertEquals("HTTP/1.1 200 OK hello 1.1", get(s));
            assertEquals("HTTP/1.1 200 OK hello 1.1", get(s));
            assertEquals(BigInteger.valueOf(0x1001), served(s));
            assertEquals(List.of("h1+tls"), engine.connections().stream().map(HttpEngine.ConnectionSnapshot::protocol).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void alpnH2IsAnsweredOverHttp2WithEitherProvider(String provider) throws Exception {
        assumeTrue(!provider.equals("openssl") || OpenSsl.isAvailable(), "OpenSSL is not available here");
        start(provider, 10_000);
        assertEquals(List.of("h2", "http/1.1"), tls.info().applicationProtocols());
        try (SSLSocket s = connect("h2", "http/1.1"); H2Wire w = H2Wire.open(s)) {
            assertEquals("h2", s.getApplicationProtocol());
            w.headers(1, H2Wire.request("GET", "/hello"), true);
            H2Wire.Response r = w.response(1);
            assertNotNull(r, "the connection ended before the response");
            assertEquals("200", r.status());
            assertEquals("hello 2.0", r.text());
            await("the h2 connection listed", () -> engine.connections().stream()
                    .anyMatch(c -> c.protocol().equals("h2")));
        }
        assertHealthy();
    }

    @Test
    void autoPicksOpenSslWhereItLoads() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL is not available here");
        start("auto", 10_000);
        assertTrue(tls.info().provider().startsWith("openssl (BoringSSL"), tls.info().provider());
    }

    @Test
    void aRenamedCertificateServesNewHandshakesWhileOpenConnectionsKeepTheirs() throws Exception {
        start("auto", 10_000);
        try (SSLSocket before = connect("http/1.1")) {
            assertEquals(BigInteger.valueOf(0x1001), served(before));
            Path[] next = TestCertificates.make(dir, "second", "2002");
            TestCertificates.replace(next[1], key); // the key first, the certificate last
            TestCertificates.replace(next[0], cert);
            await("a new handshake gets the new certificate", () -> {
                try (SSLSocket s = connect("http/1.1")) {
                    return served(s).equals(BigInteger.valueOf(0x2002));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals("HTTP/1.1 200 OK hello 1.1", get(before), "the open connection goes on");
            assertEquals(BigInteger.valueOf(0x1001), served(before), "with the certificate it shook hands with");
        }
        assertEquals("2002", tls.info().serialNumber());
    }

    @Test
    void aPairThatDoesNotLoadIsRefusedWithALogLineAndTheOldOneStays() throws Exception {
        start("auto", 10_000);
        Logger log = (Logger) LoggerFactory.getLogger(TlsContexts.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        log.setAdditive(false); // the refusals are expected: kept from the console
        try {
            Path[] other = TestCertificates.make(dir, "other", "3003");
            TestCertificates.replace(other[1], key); // a key that is not the certificate's
            await("the mismatched pair is refused", () -> lines.list.stream().anyMatch(e -> e.getFormattedMessage()
                    .contains("TLS certificate not reloaded") && e.getFormattedMessage().contains("is not the key of")));
            try (SSLSocket s = connect("http/1.1")) {
                assertEquals(BigInteger.valueOf(0x1001), served(s));
                assertEquals("HTTP/1.1 200 OK hello 1.1", get(s));
            }
            Path half = dir.resolve("half.crt");
            byte[] whole = Files.readAllBytes(other[0]);
            Files.write(half, java.util.Arrays.copyOf(whole, whole.length / 2));
            TestCertificates.replace(half, cert); // the right certificate, half written
            await("the half-written certificate is refused", () -> lines.list.stream()
                    .filter(e -> e.getFormattedMessage().contains("TLS certificate not reloaded")).count() >= 2);
            try (SSLSocket s = connect("http/1.1")) {
                assertEquals(BigInteger.valueOf(0x1001), served(s));
            }
            TestCertificates.replace(other[0], cert); // now the whole pair
            await("the whole pair is loaded", () -> "3003".equals(tls.info().serialNumber()));
            try (SSLSocket s = connect("http/1.1")) {
                assertEquals(BigInteger.valueOf(0x3003), served(s));
            }
        } finally {
            log.setLevel(level);
            log.setAdditive(true);
            log.detachAppender(lines);
        }
    }

    @Test
    void plainHttpOnTheTlsPortGetsA400SayingSo() throws Exception {
        start("auto", 10_000);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            String response = get(s);
            assertTrue(response.startsWith("HTTP/1.1 400 Bad Request This port speaks HTTPS"), response);
            assertEquals(-1, s.getInputStream().read(), "then the connection closes");
        }
        assertHealthy();
    }

    @Test
    void aHandshakeThatNeverCompletesIsClosedAtTheHandshakeTimeout() throws Exception {
        start("auto", 300);
        byte[] partialHello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01}; // a record that promises 512 bytes
        try (Socket silent = new Socket(at.getAddress(), at.getPort());
                Socket stalled = new Socket(at.getAddress(), at.getPort())) {
            silent.setSoTimeout(5000);
            stalled.setSoTimeout(5000);
            stalled.getOutputStream().write(partialHello);
            long started = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "a client that sends nothing is closed");
            assertEquals(-1, stalled.getInputStream().read(), "a client that stops halfway is closed");
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 3000, "closed after " + millis + " ms");
        }
        assertHealthy();
    }

    @Test
    void anUnknownAlpnProtocolGetsHttp11() throws Exception {
        start("auto", 10_000);
        try (SSLSocket s = connect("spdy/3.1")) {
            assertEquals("", s.getApplicationProtocol(), "the server chose none of the client's");
            assertEquals("HTTP/1.1 200 OK hello 1.1", get(s));
        }
        assertHealthy();
    }

    @Test
    void garbageThatLooksLikeTlsEndsTheConnectionAndNothingElse() throws Exception {
        start("auto", 10_000);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            byte[] junk = new byte[64];
            junk[0] = 0x16;
            junk[1] = 0x03;
            junk[2] = 0x03;
            junk[4] = 59;
            s.getOutputStream().write(junk);
            InputStream in = s.getInputStream();
            int b;
            do {
                b = in.read(); // an alert, then the close
            } while (b >= 0);
        }
        assertHealthy();
    }

    @Test
    void aCertificateThatDoesNotLoadAtStartIsRefusedNamingTheFile() throws Exception {
        Path missing = dir.resolve("missing.crt");
        TlsSettings.Invalid e = assertThrows(TlsSettings.Invalid.class, () -> new TlsContexts(new TlsSettings(1, missing,
                missing, "auto", List.of("TLSv1.3"), List.of("http/1.1"), 1000), false, 1000));
        assertEquals("certificateFile", e.key);
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains("missing.crt"), e.getMessage());
    }
}
