package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.spindle.api.HttpServer;

/**
 * Replacing a handler bundle while traffic flows fails nothing: updates through File Install's
 * deploy folder and through the framework API alternate under continuous keep-alive load.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotDeployIT {

    @Inject
    private BundleContext context;

    @Inject
    private HttpServer server;

    private HotDeploys swap;

    @Configuration
    public Option[] config() {
        return options(HotDeploys.provisioning("hotdeploy"));
    }

    @Before
    public void setUp() throws Exception {
        swap = new HotDeploys(context);
    }

    @Test
    public void twentyUpdatesUnderLoadFailNoRequest() throws Exception {
        // unrelated bundles must not restart, and a client of another handler must keep its connection
        List<String> restarted = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.osgi.framework.BundleListener watch = e -> {
            if (e.getType() == org.osgi.framework.BundleEvent.STOPPED && !"dev.spindle.swap".equals(e.getBundle().getSymbolicName())) {
                restarted.add(e.getBundle().getSymbolicName());
            }
        };
        context.addBundleListener(watch);
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(dev.spindle.api.Handler.ROUTE, "/bystander");
        org.osgi.framework.ServiceRegistration<dev.spindle.api.Handler> bystander = context.registerService(
                dev.spindle.api.Handler.class, (req, res) -> res.end("still here"), props);
        Socket other = new Socket(InetAddress.getLoopbackAddress(), swap.port);
        other.setSoTimeout(10_000);
        try (Load load = new Load(8, swap.port, "/swap")) {
            swap.alternate(20);
            load.close();
            Map<String, Long> answers = new TreeMap<>();
            load.answers.forEach((k, v) -> answers.put(k, v.sum()));
            assertEquals("failures: " + load.failures, List.of(), load.failures);
            assertEquals("every answer is a 200 from one of the versions: " + answers,
                    Map.of("200 version=1.0.0", true, "200 version=2.0.0", true),
                    Map.of("200 version=1.0.0", answers.containsKey("200 version=1.0.0"),
                            "200 version=2.0.0", answers.containsKey("200 version=2.0.0")));
            assertEquals("only 200s: " + answers, 2, answers.size());
            assertTrue("load ran: " + answers, load.total() > 100);

            other.getOutputStream().write("GET /bystander HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("the bystander's connection survived every update", "still here",
                    Http.read(other.getInputStream()).body);
            assertEquals("bundles stopped by the updates besides the handler", List.of(), restarted);
        } finally {
            context.removeBundleListener(watch);
            bystander.unregister();
            other.close();
        }
    }

    @Test
    public void aStreamStartedBeforeAnUpdateCompletesIntact() throws Exception {
        String before = swap.servedVersion();
        String after = before.equals("1.0.0") ? "2.0.0" : "1.0.0";
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), swap.port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /swap/stream?n=20 HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Http.Response> response = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.read(s.getInputStream());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300); // the stream is under way: a few lines have gone out
            Jars.drop(Jars.swapHandler(swap.jars, after), swap.deploy, "swap.jar");
            Http.Response r = response.get(30, TimeUnit.SECONDS);
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                expected.append("line ").append(i).append(" of 20 from ").append(before).append('\n');
            }
            assertEquals(expected.toString(), r.body);
        }
        swap.awaitVersion(after);
        assertEquals("ACTIVE", server.handlers().stream()
                .filter(h -> "dev.spindle.swap".equals(h.bundleSymbolicName())).findFirst().orElseThrow().state());
    }

    @Test
    public void aHalfWrittenJarDoesNoHarm() throws Exception {
        String current = swap.servedVersion();
        byte[] whole = java.nio.file.Files.readAllBytes(Jars.swapHandler(swap.jars, "3.0.0"));
        Path partial = swap.deploy.resolve("extra.jar");
        java.nio.file.Files.write(partial, java.util.Arrays.copyOf(whole, whole.length / 2));
        // File Install polls every 100 ms: give it ten polls to do something wrong
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < until) {
            assertEquals(current, swap.servedVersion());
            Thread.sleep(50);
        }
        assertEquals(1, swapBundles());

        java.nio.file.Files.write(partial, whole);
        long deadline = System.nanoTime() + HotDeploys.SWAP_LIMIT.toNanos();
        while (swapBundles() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the completed jar is installed", 2, swapBundles());
        java.nio.file.Files.delete(partial);
        deadline = System.nanoTime() + HotDeploys.SWAP_LIMIT.toNanos();
        while (swapBundles() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the deleted jar is uninstalled", 1, swapBundles());
        assertEquals(current, swap.servedVersion());
    }

    private long swapBundles() {
        return java.util.Arrays.stream(context.getBundles())
                .filter(b -> "dev.spindle.swap".equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED)
                .count();
    }
}
