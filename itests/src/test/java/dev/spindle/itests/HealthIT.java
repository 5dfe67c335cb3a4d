package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * The admin listener of the assembled container ({@code config/dev.spindle.admin.cfg}): ready and
 * live once started, not ready while a jar in {@code deploy/} does not resolve and again ready once
 * it is gone, not ready while the server drains on SIGTERM; a handler's route is not served there;
 * a new port applies live.
 */
class HealthIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    @Test
    void readyAndLiveOnceStartedThenNotReadyWhileDrainingOnSigterm() throws Exception {
        try (Container c = Container.prepare("health-shutdown")) {
            c.configure("drainTimeoutMillis", "3000");
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            int admin = c.adminPort();
            Http.Response ready = await(admin, "/health/ready", r -> r.status == 200, STARTUP);
            assertEquals(200, ready.status, ready.body + c.log());
            assertTrue(ready.body.startsWith("{\"status\":\"UP\",\"checks\":{\"listening\":{\"ok\":true,\"detail\":\"127.0.0.1:"
                    + c.port + "\"}"), ready.body);
            Http.Response live = Http.get(admin, "/health/live");
            assertEquals(200, live.status, live.body);
            assertTrue(live.body.contains("\"name\":\"spindle-io-0\",\"answered\":true"), live.body);
            assertEquals(404, Http.get(admin, "/hello").status, "a handler's route is not served on the admin port");

            try (Socket stream = new Socket(InetAddress.getLoopbackAddress(), c.port)) {
                stream.setSoTimeout(10_000);
                OutputStream out = stream.getOutputStream();
                out.write("GET /events HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                byte[] first = new byte[256];
                assertTrue(stream.getInputStream().read(first) > 0, "the event stream began");
                c.terminate(); // the stream keeps the server draining for drainTimeoutMillis
                Http.Response draining = await(admin, "/health/ready", r -> r.status == 503, Duration.ofSeconds(3));
                assertEquals(503, draining.status, draining.body + c.log());
                assertTrue(draining.body.contains("\"notStopping\":{\"ok\":false,\"detail\":\"the server is shutting down\"}"),
                        draining.body);
            }
            assertTrue(c.awaitExit(Duration.ofSeconds(15)), c.log());
        }
    }

    @Test
    void notReadyWhileAJarInDeployDoesNotResolve() throws Exception {
        try (Container c = Container.prepare("health-unresolved")) {
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            int admin = c.adminPort();
            assertEquals(200, await(admin, "/health/ready", r -> r.status == 200, STARTUP).status, c.log());

            Path jar = unresolvable(c.home.resolve("jars"));
            Jars.drop(jar, c.home.resolve("deploy"), "needs-missing.jar");
            String unresolved = "\"deployedBundles\":{\"ok\":false,\"detail\":[\"deploy/needs-missing.jar: "
                    + "installed but not resolved";
            Http.Response r = await(admin, "/health/ready", x -> x.body.contains(unresolved), Duration.ofSeconds(10));
            assertEquals(503, r.status, r.body);
            assertTrue(r.body.contains(unresolved), r.body + c.log());
            assertTrue(r.body.contains("\"listening\":{\"ok\":true"), "the rest is fine: " + r.body);

            Files.delete(c.home.resolve("deploy/needs-missing.jar"));
            assertEquals(200, await(admin, "/health/ready", x -> x.status == 200, Duration.ofSeconds(10)).status,
                    "ready again once the jar is gone");
        }
    }

    @Test
    void theAdminListenerMovesToANewPortLiveAndPortZeroTurnsItOff() throws Exception {
        try (Container c = Container.prepare("health-reconfigure")) {
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            int before = c.adminPort();
            assertTrue(Http.awaitOk(before, "/health/live", STARTUP), c.log());
            int after = Http.freePort();
            Path cfg = c.home.resolve("config/dev.spindle.admin.cfg");
            Files.writeString(cfg, "port = " + after + "\nbindAddress = 127.0.0.1\n");
            assertTrue(Http.awaitOk(after, "/health/live", Duration.ofSeconds(10)), "the new port answers\n" + c.log());
            assertTrue(refused(before), "the old port is closed");
            assertEquals(200, Http.get(c.port, "/hello").status, "the server itself never stopped");

            Files.writeString(cfg, "port = 0\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!refused(after) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(refused(after), "port = 0 turns the admin listener off");
        }
    }

    private static boolean refused(int port) {
        try {
            Http.get(port, "/health/live");
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** A bundle importing a package nothing exports: File Install installs it, it never resolves. */
    private static Path unresolvable(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path jar = dir.resolve("needs-missing.jar");
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "test.needs.missing");
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Import-Package", "com.example.nowhere");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m)) {
            out.flush();
        }
        return jar;
    }

    /** Polls {@code path} on {@code port} until {@code done} or {@code limit}; the last response (null if none). */
    static Http.Response await(int port, String path, Predicate<Http.Response> done, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Http.Response last = null;
        do {
            try {
                last = Http.get(port, path);
                if (done.test(last)) {
                    return last;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        assertNotNull(last, "no answer from " + path + " within " + limit);
        return last;
    }
}
