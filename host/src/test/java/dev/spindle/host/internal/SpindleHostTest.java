package dev.spindle.host.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.tls.TestCertificates;
import dev.spindle.host.internal.shell.SpindleCommands;

/**
 * The host component constructed directly, with configurations made as SCR makes them (a proxy
 * of {@link HostConfiguration} over the properties, whose accessor throws for a value it cannot
 * convert): every key applies live, and a refused value is logged with its key.
 */
class SpindleHostTest {

    private final SpindleHost host = new SpindleHost();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Map<String, Object> props = new HashMap<>();

    @BeforeEach
    void capture() {
        log.start();
        for (Class<?> c : List.of(HttpEngine.class, SpindleHost.class)) {
            Logger logger = (Logger) LoggerFactory.getLogger(c);
            logger.setLevel(Level.WARN); // the tests' logback configuration silences dev.spindle
            logger.setAdditive(false);
            logger.addAppender(log);
        }
        props.put("port", "0");
        props.put("bindAddress", "127.0.0.1");
        props.put("ioThreads", "1");
    }

    @AfterEach
    void stop() {
        host.deactivate();
        for (Class<?> c : List.of(HttpEngine.class, SpindleHost.class)) {
            Logger logger = (Logger) LoggerFactory.getLogger(c);
            logger.detachAppender(log);
            logger.setLevel(null);
            logger.setAdditive(true);
        }
    }

    @Test
    void theBlockedLoopWarningChangesWithoutANewListener() throws Exception {
        props.put("blockedLoopWarnMillis", "0");
        host.activate(context(), config(props), props);
        InetSocketAddress at = host.address();
        host.bindHandler((req, res) -> {
            Thread.sleep(400); // holds the event loop
            res.end("done");
        }, reference(), Map.of("service.id", 41L, Handler.ROUTE, "/block"));
        props.put("blockedLoopWarnMillis", "100");
        String after = secondAnswerAcross(at, () -> host.modified(config(props), props));
        assertTrue(after.contains("\r\nConnection: keep-alive\r\n"), "the same engine: " + after);
        get(at);
        awaitTrue(() -> messages().stream().anyMatch(m -> m.startsWith("Handler service 41 has held event loop")));
        assertEquals("100", setting("blockedLoopWarnMillis").value());
    }

    @Test
    void aValueSCRCannotConvertIsRefusedWithItsKeyAndTheOldOneStays() throws Exception {
        host.activate(context(), config(props), props);
        props.put("maxHeaders", "lots");
        host.modified(config(props), props);
        assertTrue(messages().stream().anyMatch(m -> m.contains("invalid maxHeaders: lots")), messages().toString());
        assertEquals("100", setting("maxHeaders").value());
        assertEquals("default (refused: lots)", setting("maxHeaders").source());
    }

    @TempDir
    Path certificates;

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void tlsTurnsOnLiveAndANewCertificateAppliesWithoutANewListener() throws Exception {
        host.activate(context(), config(props), props);
        InetSocketAddress at = host.address();
        assertNull(host.tls());
        Path[] first = TestCertificates.make(certificates, "first", "1001");
        Path[] second = TestCertificates.make(certificates, "second", "2002");
        int tlsPort = freePort();
        props.put("tlsPort", String.valueOf(tlsPort));
        props.put("certificateFile", first[0].toString());
        props.put("privateKeyFile", first[1].toString());
        host.modified(config(props), props);
        assertEquals(tlsPort, host.tls().address().getPort(), messages().toString());
        assertEquals("1001", host.tls().serialNumber());
        assertEquals(List.of("DNS:localhost", "IP:127.0.0.1"), host.tls().subjectAlternativeNames());
        assertEquals(at, host.address(), "the cleartext socket stays as TLS turns on");
        props.put("certificateFile", second[0].toString());
        props.put("privateKeyFile", second[1].toString());
        props.put("tlsProvider", "jdk");
        String after = secondAnswerAcross(at, () -> host.modified(config(props), props));
        assertEquals("2002", host.tls().serialNumber());
        assertEquals("jdk", host.tls().provider());
        assertTrue(after.contains("\r\nConnection: keep-alive\r\n"), "the same engine: " + after);
    }

    /**
     * {@code spindle:stats} counts connections and requests by the protocol they speak, over real
     * connections of each: HTTP/1.1 in clear and over TLS (ALPN http/1.1), HTTP/2 over TLS (ALPN
     * h2), and h2c both ways in (an {@code Upgrade: h2c}, whose first request is h2c's, and a
     * connection preface): a cleartext connection that turned to HTTP/2 counts as h2c, not h1.
     */
    @Test
    void statsCountConnectionsAndRequestsByProtocol() throws Exception {
        Path[] pair = TestCertificates.make(certificates, "first", "1001");
        props.put("tlsPort", String.valueOf(freePort()));
        props.put("certificateFile", pair[0].toString());
        props.put("privateKeyFile", pair[1].toString());
        props.put("tlsProvider", "jdk");
        host.activate(context(), config(props), props);
        host.bindHandler((req, res) -> res.end("v" + req.httpVersion()), reference(),
                Map.of("service.id", 41L, Handler.ROUTE, "/p"));
        URI clear = URI.create("http://127.0.0.1:" + host.address().getPort() + "/p");
        URI tls = URI.create("https://127.0.0.1:" + host.tls().address().getPort() + "/p");
        try (Socket s = new Socket(host.address().getAddress(), host.address().getPort())) { // h1: 2 requests
            s.setSoTimeout(5000);
            byte[] get = "GET /p HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(get);
            head(s.getInputStream());
            s.getOutputStream().write(get);
            head(s.getInputStream());
        }
        assertEquals("v1.1", send(client(HttpClient.Version.HTTP_1_1), tls)); // h1+tls: 1 request
        HttpClient h2 = client(HttpClient.Version.HTTP_2); // h2: 2 requests on one connection
        assertEquals("v2.0", send(h2, tls));
        assertEquals("v2.0", send(h2, tls));
        HttpClient upgrading = client(HttpClient.Version.HTTP_2); // h2c by Upgrade: 2 requests on one connection
        assertEquals("v2.0", send(upgrading, clear));
        assertEquals("v2.0", send(upgrading, clear));
        try (Socket s = new Socket(host.address().getAddress(), host.address().getPort())) { // h2c by preface: none
            s.setSoTimeout(5000);
            s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
            byte[] frame = s.getInputStream().readNBytes(9);
            assertEquals(4, frame[3], "the server's SETTINGS: the connection speaks HTTP/2");
        }
        SpindleCommands shell = new SpindleCommands(host, null);
        awaitTrue(() -> host.stats().totalRequests() == 7 && host.stats().totalConnections() == 5);
        String stats = shell.stats();
        assertTrue(stats.contains("\n"
                + "PROTOCOL  CONNECTIONS  REQUESTS\n"
                + "h1        1            2\n"
                + "h1+tls    1            1\n"
                + "h2c       2            2\n"
                + "h2        1            2\n"), stats);
    }

    private static HttpClient client(HttpClient.Version version) throws Exception {
        SSLContext trustAll = TestCertificates.trustAll();
        return HttpClient.newBuilder().version(version).sslContext(trustAll).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String send(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Runs {@code change} between two requests on one connection; returns the head of the second
     * answer, which says whether the engine stayed: a replaced one answers {@code Connection: close}.
     */
    private static String secondAnswerAcross(InetSocketAddress at, Runnable change) throws Exception {
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            byte[] get = "GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(get);
            String first = head(s.getInputStream());
            assertTrue(first.contains("\r\nConnection: keep-alive\r\n"), first);
            change.run();
            s.getOutputStream().write(get);
            return head(s.getInputStream());
        }
    }

    /** Reads one answer, its body framed by Content-Length; returns its head. */
    private static String head(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            assertTrue(b >= 0, "closed after " + head);
            head.append((char) b);
        }
        int at = head.indexOf("Content-Length: ");
        in.readNBytes(Integer.parseInt(head.substring(at + 16, head.indexOf("\r\n", at))));
        return head.toString();
    }

    /**
     * The certificate is a named pipe that gives its bytes only when the test writes them: a
     * certificate whose loading takes as long as the test likes. The cleartext port must accept
     * connections meanwhile (a host restarted by an API refresh is not held up by TLS).
     */
    @Test
    void theCleartextListenerAcceptsWhileTheCertificateIsStillLoading() throws Exception {
        Path[] pair = TestCertificates.make(certificates, "first", "1001");
        Path slow = certificates.resolve("slow.crt");
        Process mkfifo = new ProcessBuilder("mkfifo", slow.toString()).start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        int port = freePort();
        props.put("port", String.valueOf(port));
        props.put("tlsPort", String.valueOf(freePort()));
        props.put("certificateFile", slow.toString());
        props.put("privateKeyFile", pair[1].toString());
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread activation = new Thread(() -> {
            try {
                host.activate(context(), config(props), props);
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "test-activation");
        activation.start();
        try {
            awaitTrue(() -> accepts(port));
            assertTrue(activation.isAlive(), "the certificate is still loading");
        } finally {
            java.nio.file.Files.write(slow, java.nio.file.Files.readAllBytes(pair[0])); // the pipe gives the certificate
            activation.join(10_000);
            java.nio.file.Files.copy(pair[0], certificates.resolve("slow.crt.new"));
            java.nio.file.Files.move(certificates.resolve("slow.crt.new"), slow,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING); // no reload poll may block on the pipe
        }
        assertNull(failed.get());
        assertEquals("1001", host.tls().serialNumber());
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aPairThatDoesNotLoadIsRefusedWithItsKeyAndTheCertificateInUseStays() throws Exception {
        Path[] first = TestCertificates.make(certificates, "first", "1001");
        Path[] other = TestCertificates.make(certificates, "other", "3003");
        props.put("tlsPort", String.valueOf(freePort()));
        props.put("certificateFile", first[0].toString());
        props.put("privateKeyFile", first[1].toString());
        host.activate(context(), config(props), props);
        props.put("privateKeyFile", other[1].toString());
        host.modified(config(props), props);
        assertTrue(messages().stream().anyMatch(m -> m.contains("invalid privateKeyFile: " + other[1])
                && m.contains("is not the key of the certificate")), messages().toString());
        assertEquals("1001", host.tls().serialNumber());
        assertTrue(setting("privateKeyFile").source().endsWith("(refused: " + other[1] + ")"), setting("privateKeyFile").source());
        props.put("privateKeyFile", first[1].toString());
        props.put("tlsProvider", "boringssh");
        host.modified(config(props), props);
        assertTrue(messages().stream().anyMatch(m -> m.contains("invalid tlsProvider: boringssh")), messages().toString());
        props.put("tlsProvider", "auto");
        props.remove("certificateFile");
        host.modified(config(props), props);
        assertTrue(messages().stream().anyMatch(m -> m.contains("invalid certificateFile")
                && m.contains("required when tlsPort is set")), messages().toString());
        assertEquals("1001", host.tls().serialNumber());
    }

    private HttpServer.Setting setting(String key) {
        return host.configuration().stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }

    private List<String> messages() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static void get(InetSocketAddress at) throws Exception {
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /block HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertEquals("HTTP/1.1 200", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
        }
    }

    /** A configuration as SCR makes it: defaults for absent keys, a failing accessor for a bad value. */
    private static HostConfiguration config(Map<String, Object> props) {
        Map<String, Object> values = new HashMap<>(props);
        return (HostConfiguration) Proxy.newProxyInstance(SpindleHostTest.class.getClassLoader(),
                new Class<?>[] {HostConfiguration.class}, (proxy, method, args) -> {
                    Object raw = values.get(method.getName());
                    if (raw == null) {
                        return method.getDefaultValue();
                    }
                    Class<?> type = method.getReturnType();
                    String text = raw.toString();
                    if (type == int.class) {
                        return Integer.valueOf(text); // NumberFormatException, as SCR's conversion
                    }
                    if (type == long.class) {
                        return Long.valueOf(text);
                    }
                    return text;
                });
    }

    @SuppressWarnings("unchecked")
    /** A bundle context that lets the host listen for the framework's events and hands it nothing over. */
    private static BundleContext context() {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(SpindleHostTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getBundleId") ? (Object) 3L
                        : method.getReturnType() == int.class ? (Object) 0 : null);
        return (BundleContext) Proxy.newProxyInstance(SpindleHostTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> method.getName().equals("getBundle") ? bundle : null);
    }

    private static ServiceReference<Handler> reference() {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(SpindleHostTest.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> method.getName().equals("getBundleId") ? 7L : "test.bundle");
        return (ServiceReference<Handler>) Proxy.newProxyInstance(SpindleHostTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> bundle);
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s");
            Thread.sleep(10);
        }
    }
}
