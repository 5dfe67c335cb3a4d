package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import dev.spindle.host.internal.http.tls.TestCertificates;

/**
 * Spindle in Apache Karaf 4.4 instead of its own Felix container: the spindle-features repository
 * added and its features installed through Karaf's console ({@code bin/client}), as the README's
 * "Running in Karaf" says; the host configured by Karaf's etc/dev.spindle.host.cfg; a handler jar
 * hot-deployed through Karaf's deploy/ folder; the {@code spindle:} commands in Karaf's shell.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class KarafIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private Karaf karaf;
    private int tlsPort;
    private int adminPort;

    @BeforeAll
    void installSpindleIntoKaraf() throws Exception {
        karaf = Karaf.prepare("karaf");
        tlsPort = Http.freePort();
        Path[] pair = TestCertificates.make(Files.createDirectories(karaf.home.resolve("tls")), "localhost", "0a");
        Files.writeString(karaf.home.resolve("etc/dev.spindle.host.cfg"), "tlsPort = " + tlsPort
                + "\ncertificateFile = " + pair[0] + "\nprivateKeyFile = " + pair[1] + "\n", StandardOpenOption.APPEND);
        adminPort = Http.freePort();
        Files.writeString(karaf.home.resolve("etc/dev.spindle.admin.cfg"), "port = " + adminPort + "\nbindAddress = 127.0.0.1\n");
        karaf.start();
        // Karaf registers its standard features repository (where `scr` is) by its boot-features
        // installer, after the console already answers: installing before it names an unknown `scr`
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Karaf.Run scr = karaf.console("feature:info scr");
        while ((scr.exit() != 0 || scr.output().contains("Error executing command")) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            scr = karaf.console("feature:info scr");
        }
        karaf.execute("feature:repo-add mvn:dev.spindle/spindle-features/" + System.getProperty("spindle.version") + "/xml/features");
        karaf.execute("feature:install spindle spindle-openssl spindle-samples spindle-dashboard");
    }

    /** SIGTERM stops Karaf (its shutdown hook stops the framework); if not, its process is killed. */
    @AfterAll
    void stopKaraf() throws Exception {
        if (karaf == null) {
            return;
        }
        try {
            assertTrue(!karaf.alive() || karaf.stop(Duration.ofSeconds(60)), "Karaf stops on SIGTERM\n" + karaf.log());
        } finally {
            karaf.close();
        }
    }

    @Test
    @Order(1)
    void theSamplesFeatureServesHelloWorldOnThePortOfEtcSpindleHostCfg() throws Exception {
        assertTrue(Http.awaitOk(karaf.port, "/hello", WAIT), karaf.log());
        Http.Response hello = Http.get(karaf.port, "/hello");
        assertEquals(200, hello.status);
        assertEquals("hello world", hello.body);
    }

    @Test
    @Order(2)
    void aHandlerJarDroppedIntoKarafsDeployFolderIsServed() throws Exception {
        Path jar = Jars.swapHandler(karaf.home.resolve("jars"), "1.0.0");
        Jars.drop(jar, karaf.home.resolve("deploy"), "swap-1.0.0.jar");
        assertTrue(Http.awaitOk(karaf.port, "/swap", WAIT), karaf.log());
        assertEquals("version=1.0.0", Http.get(karaf.port, "/swap").body.trim());
    }

    @Test
    @Order(3)
    void spindleHandlersInKarafsConsoleListsTheSamplesAndTheDeployedHandler() throws Exception {
        String table = karaf.execute("echo (spindle:handlers)");
        assertTrue(table.contains("ROUTE") && table.contains("STATE"), table);
        String hello = table.lines().filter(l -> l.contains("dev.spindle.samples.hello")).findFirst()
                .orElseThrow(() -> new AssertionError(table));
        assertTrue(hello.contains("/hello") && hello.contains("ACTIVE"), hello);
        assertTrue(table.lines().anyMatch(l -> l.contains("dev.spindle.swap") && l.contains("/swap/*")), table);
    }

    /** The admin listener from etc/dev.spindle.admin.cfg: health, metrics, and the dashboard's feature. */
    @Test
    @Order(3)
    void theAdminListenerServesHealthMetricsAndTheDashboard() throws Exception {
        // the admin listener and the dashboard's mount come up after the feature's install returns
        assertTrue(Http.awaitOk(adminPort, "/health/live", WAIT), karaf.log());
        assertTrue(Http.awaitOk(adminPort, "/dashboard/", WAIT), karaf.log());
        Http.Response metrics = Http.get(adminPort, "/metrics");
        assertEquals(200, metrics.status);
        assertTrue(metrics.body.contains("spindle_requests_total"), metrics.body);
        Http.Response page = Http.get(adminPort, "/dashboard/");
        assertEquals(200, page.status);
        assertTrue(page.body.contains("<html") || page.body.contains("<!DOCTYPE"), page.body);
    }

    /**
     * Karaf's own log: commands answer (the host registers its log: scope as a Gogo service there
     * too, which only a DS-delayed component can do without Gogo's classes: Karaf's shell prefers
     * its own commands, so this guards that preference rather than a change of the host's).
     */
    @Test
    @Order(3)
    void karafsLogCommandsAreKarafsOwn() throws Exception {
        String levels = karaf.execute("log:get ROOT");
        assertTrue(levels.contains("INFO") || levels.contains("WARN") || levels.contains("ERROR"), levels);
        assertFalse(levels.contains("ROOT: "), "the host's log:get answered in Karaf:\n" + levels);
    }

    /** The feature installs the epoll fragment too: without it the host would run on NIO. */
    @Test
    @Order(3)
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void spindleStatsShowsTheNativeTransport() throws Exception {
        String stats = karaf.execute("echo (spindle:stats)");
        assertTrue(stats.lines().anyMatch(l -> l.matches("transport\\s+epoll")), stats);
    }

    /** spindle-openssl: the TLS listener that etc/dev.spindle.host.cfg asks for runs on BoringSSL. */
    @Test
    @Order(3)
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void theOpensslFeatureGivesTheTlsListenerBoringSsl() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(TestCertificates.trustAll())
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort + "/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("hello world", hello.body());
        String stats = karaf.execute("echo (spindle:stats)");
        assertTrue(stats.lines().anyMatch(l -> l.startsWith("tls") && l.contains("openssl (BoringSSL)")), stats);
    }

    /** Karaf's File Install hands an edit of the file to ConfigAdmin: the host moves its listener. */
    @Test
    @Order(4)
    void anEditOfEtcSpindleHostCfgMovesTheListenerWhileKarafRuns() throws Exception {
        int moved = Http.freePort();
        karaf.edit("etc/dev.spindle.host.cfg", "(?m)^port = \\d+$", "port = " + moved);
        assertTrue(Http.awaitOk(moved, "/hello", WAIT), karaf.log());
        assertEquals("hello world", Http.get(moved, "/hello").body);
    }
}
