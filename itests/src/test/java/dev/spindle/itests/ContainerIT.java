package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The assembled container as the README runs it: every bundle Active, hello served, both console modes. */
class ContainerIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern BUNDLE_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*\\d+\\|(.+?)\\|");

    @Test
    void theContainerServesHelloAndEveryBundleIsActive() throws Exception {
        try (Container c = Container.prepare("interactive")) {
            c.configure("graceMillis", "500");
            c.start(true);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
            Http.Response hello = Http.get(c.port, "/hello");
            assertEquals("hello world", hello.body);
            assertTrue(hello.head.contains("\r\nContent-Type: text/plain\r\n"), hello.head);

            c.command("lb");
            assertNotNull(c.awaitLog(Pattern.compile("\\|Spindle sample: hello"), STARTUP), c.log());
            List<String> notActive = new ArrayList<>();
            int bundles = 0;
            Matcher m = BUNDLE_LINE.matcher(c.log());
            while (m.find()) {
                bundles++;
                String state = m.group(2);
                String name = m.group(3);
                boolean fragment = name.startsWith("Netty/Transport/Native/Epoll")
                        || name.startsWith("Netty/TomcatNative [BoringSSL")
                        || name.startsWith("Spindle logging fragment");
                if (!state.equals(fragment ? "Resolved" : "Active")) {
                    notActive.add(name + " " + state);
                }
            }
            assertTrue(bundles >= 25, "lb listed " + bundles + " bundles:\n" + c.log());
            assertEquals(List.of(), notActive);
            assertTrue(c.log().contains("(epoll transport)"), "the log names the transport:\n" + c.log());

            // the standard Felix commands manage handler bundles too
            java.nio.file.Path dir = c.home.resolve("jars");
            c.command("install file:" + Jars.swapHandler(dir, "1.0.0"));
            Matcher installed = c.awaitLog(Pattern.compile("Bundle ID: (\\d+)"), STARTUP);
            assertNotNull(installed, c.log());
            String id = installed.group(1);
            c.command("start " + id);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            assertEquals("version=1.0.0", Http.get(c.port, "/swap").body);
            c.command("update " + id + " file:" + Jars.swapHandler(dir, "2.0.0"));
            assertTrue(awaitBody(c, "/swap", "version=2.0.0"), c.log());
            c.command("stop " + id);
            Http.Response stopped = Http.get(c.port, "/swap");
            long deadline = System.nanoTime() + STARTUP.toNanos();
            while (stopped.status == 200 && System.nanoTime() < deadline) {
                stopped = Http.get(c.port, "/swap");
            }
            assertEquals(404, stopped.status, "a handler stopped by the operator is removed: 404 at once, no grace");
            c.command("uninstall " + id);
            c.command("lb");
            assertNotNull(c.awaitLog(Pattern.compile("(?s)\\|Spindle sample: hello.*\\|Spindle sample: hello"), STARTUP), c.log());
            String lastListing = c.log().substring(c.log().lastIndexOf("START LEVEL"));
            assertTrue(!lastListing.contains("Spindle swap handler"), lastListing);
        }
    }

    @Test
    void aBackgroundContainerKeepsRunningWithoutAConsole() throws Exception {
        try (Container c = Container.prepare("background")) {
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/hello", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());
            assertTrue(c.alive(), "end of input stopped the container:\n" + c.log());
            assertEquals(404, Http.get(c.port, "/nothing-here").status);
            String stats = c.script("spindle:stats");
            assertTrue(stats.contains("transport                      epoll"), stats);
            assertTrue(stats.matches("(?s).*responses 1xx/2xx/3xx/4xx/5xx  0/\\d+/0/1/0.*"), stats);
            String routes = c.script("spindle:routes /hello");
            assertTrue(routes.startsWith("GET /hello -> service "), routes);
        }
    }

    @Test
    void sigtermLetsTheRequestsInFlightFinish() throws Exception {
        Container c = Container.prepare("sigterm");
        c.deploy(Jars.swapHandler(c.home.resolve("jars"), "1.0.0"));
        c.start(false);
        try {
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), c.port)) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write("GET /swap/stream?n=10 HTTP/1.1\r\nHost: t\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                java.io.InputStream in = s.getInputStream();
                StringBuilder first = new StringBuilder();
                while (!first.toString().contains("line 1 of 10")) {
                    int b = in.read();
                    assertTrue(b >= 0, first.toString());
                    first.append((char) b);
                }
                c.terminate(); // SIGTERM while the stream is under way
                String rest = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(rest.contains("line 10 of 10 from 1.0.0\n") && rest.endsWith("0\r\n\r\n"),
                        "the stream was cut short:\n" + first + rest);
            }
            assertTrue(c.awaitExit(Duration.ofSeconds(30)), c.log());
        } finally {
            c.close();
        }
    }

    private static boolean awaitBody(Container c, String path, String body) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (body.equals(Http.get(c.port, path).body)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
