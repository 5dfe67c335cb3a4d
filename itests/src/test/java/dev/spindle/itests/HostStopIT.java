package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.spindle.api.Handler;

/** Stopping the host bundle answers the requests it has, then closes: nothing accepted is dropped. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostStopIT {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort()));
    }

    @Test
    public void stoppingTheHostFinishesTheRequestInFlight() throws Exception {
        int port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        HalfwayHandler slow = new HalfwayHandler();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Handler.ROUTE, "/slow");
        context.registerService(Handler.class, slow, props);
        Bundle host = Arrays.stream(context.getBundles()).filter(b -> "dev.spindle.host".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(slow.awaitStarted());

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                try {
                    host.stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue("the listener closes at once", awaitRefused(port));
            assertFalse("stop waits for the request in flight", stopping.isDone());
            slow.release();

            Http.Response r = Http.read(s.getInputStream());
            assertEquals("first half, second half", r.body);
            assertEquals("then the connection is closed", -1, s.getInputStream().read());
            stopping.get(30, TimeUnit.SECONDS);
        }
    }

    private static boolean awaitRefused(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread.sleep(20);
            } catch (ConnectException refused) {
                return true;
            } catch (IOException other) {
                Thread.sleep(20);
            }
        }
        return false;
    }
}
