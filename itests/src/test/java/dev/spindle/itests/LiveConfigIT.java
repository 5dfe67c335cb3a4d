package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;

/**
 * A configuration change applies live: a new port is served while a request on the old one
 * finishes; a new address, transport, event-loop or worker count under keep-alive load fails no
 * request; a refused change leaves the configuration in effect, and says so.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiveConfigIT {

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private HttpServer server;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort()));
    }

    @Test
    public void changingThePortKeepsTheRequestInFlightOnTheOldOne() throws Exception {
        int oldPort = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        int newPort = Http.freePort();
        HalfwayHandler slow = new HalfwayHandler();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Handler.ROUTE, "/slow");
        ServiceRegistration<Handler> reg = context.registerService(Handler.class, slow, props);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), oldPort)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(slow.awaitStarted());

            org.osgi.service.cm.Configuration cfg = configAdmin.getConfiguration("dev.spindle.host", "?");
            Dictionary<String, Object> changed = cfg.getProperties();
            changed.put("port", String.valueOf(newPort));
            cfg.update(changed);

            assertTrue("the new port answers", awaitPort(newPort));
            slow.release();
            Http.Response r = Http.read(s.getInputStream());
            assertEquals(200, r.status);
            assertEquals("first half, second half", r.body);
        } finally {
            reg.unregister();
        }
        assertEquals(newPort, server.address().getPort());
        assertEquals(404, Http.get(newPort, "/nothing").status);
        try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), oldPort)) {
            fail("the old port still accepts connections");
        } catch (ConnectException expected) {
            // the old listener is gone
        }
    }

    @Test
    public void newLimitsApplyToNewConnectionsOnly() throws Exception {
        int port = server.address().getPort();
        try (Socket before = new Socket(InetAddress.getLoopbackAddress(), port)) {
            before.setSoTimeout(10_000);
            // one exchange first, so the server has surely set this connection up with the old limits
            before.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(Http.read(before.getInputStream()).head.contains("Keep-Alive: timeout=5\r\n"));
            org.osgi.service.cm.Configuration cfg = configAdmin.getConfiguration("dev.spindle.host", "?");
            Dictionary<String, Object> changed = cfg.getProperties();
            changed.put("keepAliveTimeoutMillis", "2000");
            cfg.update(changed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String head = "";
            while (System.nanoTime() < deadline && !head.contains("Keep-Alive: timeout=2\r\n")) {
                head = keepAliveGet(port).head;
            }
            assertTrue(head, head.contains("Keep-Alive: timeout=2\r\n"));
            before.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String old = Http.read(before.getInputStream()).head;
            assertTrue("a connection opened before keeps its limits: " + old, old.contains("Keep-Alive: timeout=5\r\n"));
        }
        assertEquals(port, server.address().getPort());
    }

    @Test
    public void listenerAndWorkerChangesUnderKeepAliveLoadFailNoRequest() throws Exception {
        ServiceRegistration<Handler> fast = register("/live", false, "fast");
        ServiceRegistration<Handler> blocking = register("/live-blocking", true, "blocking");
        int port = server.address().getPort();
        try (Load loop = new Load(4, port, "/live"); Load workers = new Load(4, port, "/live-blocking")) {
            awaitProgress(loop, workers);
            change("bindAddress", "0.0.0.0");
            awaitTrue("listening on every interface", () -> server.address().getAddress().isAnyLocalAddress());
            awaitProgress(loop, workers);
            change("transport", "nio");
            awaitTrue("on NIO", () -> "nio".equals(server.transport()));
            awaitProgress(loop, workers);
            change("ioThreads", "1");
            awaitTrue("one event loop", () -> "1".equals(setting("ioThreads").value()));
            awaitProgress(loop, workers);
            change("workerThreads", "2");
            awaitTrue("two workers", () -> "2".equals(setting("workerThreads").value()));
            awaitProgress(loop, workers);
            change("transport", "epoll");
            awaitTrue("on epoll", () -> "epoll".equals(server.transport()));
            awaitProgress(loop, workers);
            change("bindAddress", "127.0.0.1");
            awaitTrue("on loopback", () -> server.address().getAddress().isLoopbackAddress());
            awaitProgress(loop, workers);
            assertEquals("the same port throughout", port, server.address().getPort());
            loop.close();
            workers.close();
            assertEquals("failed requests", List.of(), loop.failures);
            assertEquals("failed requests", List.of(), workers.failures);
            assertEquals(Set.of("200 fast"), loop.answers.keySet());
            assertEquals(Set.of("200 blocking"), workers.answers.keySet());
        } finally {
            fast.unregister();
            blocking.unregister();
        }
    }

    /**
     * New event loops keep the listening socket: connections arriving all along, some of them as
     * the old engine retires, are all answered. (A socket closed while others share its port
     * resets the connections in its backlog, unless the kernel migrates them.)
     */
    @Test
    public void newEventLoopsUnderAStreamOfNewConnectionsFailNoRequest() throws Exception {
        ServiceRegistration<Handler> fast = register("/arrivals", false, "fast");
        int port = server.address().getPort();
        try (Load arrivals = Load.newConnections(4, port, "/arrivals")) {
            awaitProgress(arrivals);
            for (String loops : new String[] {"1", "2", "1", "2", "1", "2"}) {
                change("ioThreads", loops);
                awaitTrue("event loops: " + loops, () -> loops.equals(setting("ioThreads").value()));
                awaitProgress(arrivals);
            }
            assertEquals("the same port throughout", port, server.address().getPort());
            arrivals.close();
            assertEquals("failed requests", List.of(), arrivals.failures);
            assertEquals(Set.of("200 fast"), arrivals.answers.keySet());
        } finally {
            fast.unregister();
        }
    }

    @Test
    public void aListenerThatCannotBindIsRefusedAndTheOldOneStays() throws Exception {
        InetSocketAddress before = server.address();
        String address = setting("bindAddress").value();
        change("bindAddress", "192.0.2.1"); // TEST-NET-1: not an address of this machine
        awaitTrue("the refusal shown", () -> setting("bindAddress").source().contains("(refused: 192.0.2.1)"));
        assertEquals(address, setting("bindAddress").value());
        assertEquals(before, server.address());
        assertEquals(404, Http.get(before.getPort(), "/nothing").status);
        change("bindAddress", address);
        awaitTrue("the refusal cleared", () -> !setting("bindAddress").source().contains("refused"));
    }

    @Test
    public void aValueThatIsNotANumberIsRefusedWithItsKey() throws Exception {
        String maxHeaders = setting("maxHeaders").value();
        change("maxHeaders", "lots");
        awaitTrue("the refusal shown", () -> setting("maxHeaders").source().contains("(refused: lots)"));
        assertEquals(maxHeaders, setting("maxHeaders").value());
        assertEquals(404, Http.get(server.address().getPort(), "/nothing").status);
        change("maxHeaders", maxHeaders);
        awaitTrue("the refusal cleared", () -> !setting("maxHeaders").source().contains("refused"));
    }

    private ServiceRegistration<Handler> register(String route, boolean blocking, String body) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Handler.ROUTE, route);
        props.put(Handler.BLOCKING, blocking);
        return context.registerService(Handler.class, (req, res) -> res.end(body), props);
    }

    private void change(String key, String value) throws IOException {
        org.osgi.service.cm.Configuration cfg = configAdmin.getConfiguration("dev.spindle.host", "?");
        Dictionary<String, Object> changed = cfg.getProperties();
        changed.put(key, value);
        cfg.update(changed);
    }

    private HttpServer.Setting setting(String key) {
        return server.configuration().stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }

    /** Both loads answer at least 50 more requests, within 10 s. */
    private static void awaitProgress(Load... loads) throws InterruptedException {
        for (Load load : loads) {
            long target = load.total() + 50;
            awaitTrue("load progresses: " + load.failures, () -> load.total() >= target);
        }
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue("not within 10 s: " + what, System.nanoTime() < deadline);
            Thread.sleep(10);
        }
    }

    private static Http.Response keepAliveGet(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return Http.read(s.getInputStream());
        }
    }

    /** Waits (bounded) until something answers HTTP on {@code port}. */
    private static boolean awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                Http.get(port, "/");
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }
}
