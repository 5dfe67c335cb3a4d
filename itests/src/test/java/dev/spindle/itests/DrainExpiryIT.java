package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
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

import dev.spindle.api.Handler;
import dev.spindle.api.Outcome;

/**
 * A removed handler's drain timeout does something: what it still serves when the timeout runs
 * out ends with {@code HANDLER_REMOVED} and its connection closes, instead of running on against
 * a deactivated component; and a drain never holds an event loop.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DrainExpiryIT {

    private static final long DRAIN_MILLIS = 2000;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort(), 10_000, DRAIN_MILLIS));
    }

    private int port() {
        return Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
    }

    private ServiceRegistration<Handler> register(String route, Handler handler) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Handler.ROUTE, route);
        return context.registerService(Handler.class, handler, props);
    }

    @Test
    public void aStreamOutlivingTheDrainEndsWithHandlerRemovedAndItsConnectionCloses() throws Exception {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        ServiceRegistration<Handler> reg = register("/endless", (req, res) -> {
            res.onDone(outcome::complete);
            res.setHeader("Content-Type", "text/event-stream");
            res.write("data: first\n\n"); // and never ends
        });
        try (Socket s = open()) {
            send(s, "GET /endless HTTP/1.1\r\nHost: t\r\n\r\n");
            readUntil(s.getInputStream(), "data: first\n\n\r\n");

            long started = System.nanoTime();
            reg.unregister();
            long took = millisSince(started);
            assertTrue("the unregistration waited for the drain: " + took + " ms", took >= DRAIN_MILLIS - 100);
            assertTrue("and not much longer: " + took + " ms", took < DRAIN_MILLIS + 1500);
            assertEquals(Outcome.HANDLER_REMOVED, outcome.get(1, TimeUnit.SECONDS));
            String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertFalse("cut off, without the last chunk: " + rest, rest.contains("0\r\n\r\n"));
        }
    }

    @Test
    public void aHandlerThatNeverAnsweredGets503WithConnectionCloseWhenItsDrainRunsOut() throws Exception {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        ServiceRegistration<Handler> reg = register("/silent", (req, res) -> res.onDone(outcome::complete));
        try (Socket s = open()) {
            send(s, "GET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
            awaitInFlight("/silent");
            reg.unregister();
            Http.Response r = Http.read(s.getInputStream());
            assertEquals(503, r.status);
            assertTrue(r.head, r.head.contains("\r\nConnection: close\r\n"));
            assertEquals(-1, s.getInputStream().read());
            assertEquals(Outcome.HANDLER_REMOVED, outcome.get(1, TimeUnit.SECONDS));
        }
    }

    @Test
    public void unregisteringFromAnEventLoopNeverWaitsForTheDrain() throws Exception {
        HalfwayHandler held = new HalfwayHandler();
        ServiceRegistration<Handler> heldReg = register("/held", held);
        ServiceRegistration<Handler> remover = register("/remove-held", (req, res) -> {
            heldReg.unregister(); // on the event loop, while /held has a request running
            res.end("removed");
        });
        try (Socket s = open(); Socket other = open()) {
            send(s, "GET /held HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(held.awaitStarted());
            long started = System.nanoTime();
            send(other, "GET /remove-held HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("removed", Http.read(other.getInputStream()).body);
            long took = millisSince(started);
            assertTrue("the event loop waited " + took + " ms for a drain", took < DRAIN_MILLIS / 2);
            held.release();
            assertEquals("first half, second half", Http.read(s.getInputStream()).body);
        } finally {
            remover.unregister();
        }
    }

    private void awaitInFlight(String route) throws Exception {
        dev.spindle.api.HttpServer server = context.getService(context.getServiceReference(dev.spindle.api.HttpServer.class));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (server.handlers().stream().anyMatch(h -> route.equals(h.route()) && h.inFlight() > 0)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no request in flight on " + route);
    }

    private Socket open() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before " + marker + ": " + seen);
            }
            seen.write(b);
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
