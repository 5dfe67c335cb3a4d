package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.spindle.host.internal.http.tls.TestCertificates;

/**
 * HTTPS in the assembled container, as an operator runs it: the launcher's self-signed certificate,
 * OpenSSL chosen by {@code auto}, the certificate rotated by renaming files while a TLS connection
 * stays open, a bad pair refused, plaintext on the TLS port, and the shell's view.
 */
class TlsIT {

    private static final Duration STARTUP = Duration.ofSeconds(30);

    private static SSLSocket connect(int port) throws Exception {
        SSLSocket s = (SSLSocket) TestCertificates.trustAll().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    private static BigInteger serial(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static Http.Response hello(Socket s) throws IOException {
        s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return Http.read(s.getInputStream());
    }

    /** A pair made with openssl, serial {@code serialHex}, in {@code dir}: {cert, key}. */
    private static Path[] pair(Path dir, String serialHex) throws Exception {
        Path key = dir.resolve(serialHex + ".key");
        Path cert = dir.resolve(serialHex + ".crt");
        Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost", "-set_serial",
                "0x" + serialHex, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl req");
        return new Path[] {cert, key};
    }

    private static void renameInto(Path from, Path to) throws IOException {
        Path aside = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, aside, StandardCopyOption.REPLACE_EXISTING);
        Files.move(aside, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static BigInteger awaitSerial(int port, BigInteger wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        BigInteger got;
        do {
            try (SSLSocket s = connect(port)) {
                got = serial(s);
            }
            if (!got.equals(wanted)) {
                Thread.sleep(100);
            }
        } while (!got.equals(wanted) && System.nanoTime() < deadline);
        return got;
    }

    @Test
    void servesHttpsWithTheLaunchersCertificateAndReloadsARenamedOne() throws Exception {
        try (Container c = Container.prepare("tls")) {
            Path certificate = c.home.resolve("var/tls/certificate.pem");
            Path key = c.home.resolve("var/tls/private-key.pem");
            assertTrue(Files.exists(certificate) && Files.exists(key), "the launcher made the certificate");
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
            assertNotNull(c.awaitLog(Pattern.compile("Spindle listening for TLS on [^ ]+:" + c.tlsPort
                    + " \\(openssl \\(BoringSSL\\); ALPN h2,http/1.1\\)"), STARTUP), c.log());

            // a client offering h2 and http/1.1, as curl --http2 and browsers do, gets HTTP/2
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TestCertificates.trustAll())
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> overH2 = h2.send(HttpRequest.newBuilder(URI.create("https://localhost:" + c.tlsPort + "/hello"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, overH2.version());
            assertEquals(200, overH2.statusCode());
            assertEquals("hello world", overH2.body());
            String listed = c.script("spindle:connections");
            assertTrue(listed.lines().map(l -> l.split(" {2,}")).anyMatch(cols -> cols.length > 6 && cols[6].trim().equals("h2")),
                    listed);

            try (SSLSocket open = connect(c.tlsPort)) {
                assertEquals("http/1.1", open.getApplicationProtocol());
                assertEquals("hello world", hello(open).body);
                BigInteger first = serial(open);

                String connections = c.script("spindle:connections");
                String mine = connections.lines().filter(l -> l.contains("127.0.0.1:" + open.getLocalPort())).findFirst()
                        .orElseThrow(() -> new AssertionError(connections));
                assertEquals("h1+tls", mine.split(" {2,}")[6].trim(), connections);
                String tls = c.script("spindle:tls");
                assertTrue(tls.contains("openssl (BoringSSL)") && tls.contains("CN=localhost")
                        && tls.contains("DNS:localhost, IP:127.0.0.1") && tls.contains(first.toString(16)), tls);

                Path dir = Files.createDirectories(c.home.resolve("new-certs"));
                Path[] next = pair(dir, "5005");
                renameInto(next[1], key);
                renameInto(next[0], certificate);
                assertEquals(BigInteger.valueOf(0x5005), awaitSerial(c.tlsPort, BigInteger.valueOf(0x5005)), c.log());
                assertEquals("hello world", hello(open).body, "the connection opened before goes on");
                assertEquals(first, serial(open));

                Path[] other = pair(dir, "6006");
                renameInto(other[1], key); // the key alone: it does not match the certificate
                assertNotNull(c.awaitLog(Pattern.compile("TLS certificate not reloaded, the one loaded at .* \\(serial 5005\\)"
                        + " stays: privateKeyFile .* is not the key of the certificate"), Duration.ofSeconds(10)), c.log());
                try (SSLSocket s = connect(c.tlsPort)) {
                    assertEquals(BigInteger.valueOf(0x5005), serial(s));
                    assertEquals("hello world", hello(s).body);
                }
            }

            try (Socket plain = new Socket("127.0.0.1", c.tlsPort)) {
                plain.setSoTimeout(10_000);
                Http.Response r = hello(plain);
                assertTrue(r.head.startsWith("HTTP/1.1 400 Bad Request"), r.head);
                assertTrue(r.body.contains("This port speaks HTTPS"), r.body);
            }
            assertEquals("hello world", Http.get(c.port, "/hello").body);
        }
    }
}
