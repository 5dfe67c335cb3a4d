package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
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

    private static final String DEPLOY_PROPERTY = "spindle.it.deploy";
    private static final Duration SWAP_LIMIT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    @Inject
    private HttpServer server;

    private Path deploy;
    private Path jars;
    private int port;

    @Configuration
    public Option[] config() {
        Path dir = Paths.get(System.getProperty("spindle.work"), "hotdeploy-" + System.nanoTime(), "deploy");
        return options(
                Provisioning.spindle(Http.freePort()),
                systemProperty(DEPLOY_PROPERTY).value(dir.toString()),
                systemProperty("felix.fileinstall.dir").value(dir.toString()),
                systemProperty("felix.fileinstall.poll").value("100"),
                systemProperty("felix.fileinstall.noInitialDelay").value("true"),
                systemProperty("felix.fileinstall.filter").value(".*\\.jar"),
                systemProperty("felix.fileinstall.log.level").value("1"),
                mavenBundle("org.apache.felix", "org.apache.felix.fileinstall").versionAsInProject());
    }

    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        deploy = Paths.get(context.getProperty(DEPLOY_PROPERTY));
        jars = deploy.resolveSibling("jars");
        if (swapBundle() == null) {
            Jars.drop(Jars.swapHandler(jars, "1.0.0"), deploy, "swap.jar");
            awaitVersion("1.0.0");
        }
    }

    private Bundle swapBundle() {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private String servedVersion() throws IOException {
        Http.Response r = Http.get(port, "/swap");
        return r.status == 200 ? r.body.replace("version=", "") : "status " + r.status;
    }

    private void awaitVersion(String version) throws Exception {
        long deadline = System.nanoTime() + SWAP_LIMIT.toNanos();
        String seen = null;
        while (System.nanoTime() < deadline) {
            seen = servedVersion();
            if (seen.equals(version)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("still serving " + seen + " instead of " + version);
    }

    /** Updates through the framework API and refreshes, as File Install does after a file update. */
    private void updateThroughFramework(Path jar) throws Exception {
        Bundle b = swapBundle();
        try (InputStream in = Jars.open(jar)) {
            b.update(in);
        }
        Frameworks.refresh(context, b);
    }

    @Test
    public void twentyUpdatesUnderLoadFailNoRequest() throws Exception {
        String[] versions = {"1.0.0", "2.0.0"};
        Map<String, Path> byVersion = Map.of("1.0.0", Jars.swapHandler(jars, "1.0.0"), "2.0.0", Jars.swapHandler(jars, "2.0.0"));
        String current = servedVersion();
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
        Socket other = new Socket(InetAddress.getLoopbackAddress(), port);
        other.setSoTimeout(10_000);
        try (Load load = new Load(8, port, "/swap")) {
            for (int i = 0; i < 20; i++) {
                String next = current.equals(versions[0]) ? versions[1] : versions[0];
                if (i % 2 == 0) {
                    Jars.drop(byVersion.get(next), deploy, "swap.jar");
                } else {
                    updateThroughFramework(byVersion.get(next));
                }
                awaitVersion(next);
                current = next;
            }
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
        String before = servedVersion();
        String after = before.equals("1.0.0") ? "2.0.0" : "1.0.0";
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
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
            Jars.drop(Jars.swapHandler(jars, after), deploy, "swap.jar");
            Http.Response r = response.get(30, TimeUnit.SECONDS);
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 20; i++) {
                expected.append("line ").append(i).append(" of 20 from ").append(before).append('\n');
            }
            assertEquals(expected.toString(), r.body);
        }
        awaitVersion(after);
        assertEquals("ACTIVE", server.handlers().stream()
                .filter(h -> "dev.spindle.swap".equals(h.bundleSymbolicName())).findFirst().orElseThrow().state());
    }

    @Test
    public void aHalfWrittenJarDoesNoHarm() throws Exception {
        String current = servedVersion();
        byte[] whole = java.nio.file.Files.readAllBytes(Jars.swapHandler(jars, "3.0.0"));
        Path partial = deploy.resolve("extra.jar");
        java.nio.file.Files.write(partial, java.util.Arrays.copyOf(whole, whole.length / 2));
        // File Install polls every 100 ms: give it ten polls to do something wrong
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < until) {
            assertEquals(current, servedVersion());
            Thread.sleep(50);
        }
        assertEquals(1, swapBundles());

        java.nio.file.Files.write(partial, whole);
        long deadline = System.nanoTime() + SWAP_LIMIT.toNanos();
        while (swapBundles() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the completed jar is installed", 2, swapBundles());
        java.nio.file.Files.delete(partial);
        deadline = System.nanoTime() + SWAP_LIMIT.toNanos();
        while (swapBundles() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("the deleted jar is uninstalled", 1, swapBundles());
        assertEquals(current, servedVersion());
    }

    private long swapBundles() {
        return java.util.Arrays.stream(context.getBundles())
                .filter(b -> "dev.spindle.swap".equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED)
                .count();
    }
}
