package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
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
 * Canary releases of the swap handler, driven through the {@code spindle:} commands under real
 * keep-alive load: the split's exactness, promotion and rollback under running streams, the
 * automatic rollback of a bad canary and the stepped promotion of a good one; and the rollback of a
 * canary in flight when its handler is deployed, undeployed, updated or uninstalled.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CanaryIT {

    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

    @Inject
    private HttpServer server;

    private int port;
    private Path jars;
    private Bundle stable;

    @Configuration
    public Option[] config() {
        return Provisioning.withShell();
    }

    /** Each test starts from the swap handler 1.0.0 alone. */
    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        jars = Paths.get(System.getProperty("spindle.work"), "canary");
        stable = SwapBundle.startAlone(context, jars, port);
    }

    private String run(String command) throws Exception {
        return Gogo.run(processor, command);
    }

    /** Waits, at most 60 s, until {@code done}. */
    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    private List<String> swapVersions() {
        return SwapBundle.installedVersions(context);
    }

    private static Map<String, Long> counts(Load load) {
        Map<String, Long> out = new TreeMap<>();
        load.answers.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Test
    public void aCanaryAtTwentyPercentGetsTwentyPercentUnderLoad() throws Exception {
        Path v2 = Jars.swapHandler(jars, "2.0.0");
        try (Load load = new Load(8, port, "/swap")) {
            await("load runs", () -> load.total() > 200);
            String started = run("spindle:canary " + v2 + " 20");
            assertTrue(started, started.contains("takes 20 % of /swap/*"));
            Map<String, Long> before = counts(load);
            await("5000 requests more", () -> load.total() > before.values().stream().mapToLong(Long::longValue).sum() + 5000);
            Map<String, Long> after = counts(load);
            long v1 = after.getOrDefault("200 version=1.0.0", 0L) - before.getOrDefault("200 version=1.0.0", 0L);
            long c = after.getOrDefault("200 version=2.0.0", 0L) - before.getOrDefault("200 version=2.0.0", 0L);
            double share = 100.0 * c / (c + v1);
            assertTrue("the canary's share " + share + " % of " + (c + v1), share >= 18 && share <= 22);

            String table = run("spindle:canary");
            assertTrue(table, table.contains("dev.spindle.swap 1.0.0") && table.contains("stable")
                    && table.contains("80 %") && table.contains("dev.spindle.swap 2.0.0") && table.contains("20 %"));
            assertTrue(server.handlers().stream().anyMatch(h -> "CANARY".equals(h.state())));

            String rolledBack = run("spindle:rollback /swap");
            assertTrue(rolledBack, rolledBack.contains("Rolled back dev.spindle.swap 2.0.0"));
            assertEquals(List.of("1.0.0"), swapVersions());
            load.close();
            assertEquals("failures: " + load.failures, List.of(), load.failures);
            assertEquals("only 200s from both versions: " + counts(load), List.of("200 version=1.0.0", "200 version=2.0.0"),
                    List.copyOf(counts(load).keySet()));
        }
    }

    /** A stream of 20 lines, one every 100 ms, read on its own socket. */
    private CompletableFuture<String> stream() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(30_000);
        s.getOutputStream().write("GET /swap/stream?n=20 HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                return Http.read(s.getInputStream()).body;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static String lines(String version) {
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            expected.append("line ").append(i).append(" of 20 from ").append(version).append('\n');
        }
        return expected.toString();
    }

    private long inFlight() {
        return server.handlers().stream().filter(h -> "dev.spindle.swap".equals(h.bundleSymbolicName()) && !h.webSocket())
                .mapToLong(HttpServer.HandlerRegistration::inFlight).sum();
    }

    /** Starts a stream on each version (at 50 %, two requests in a row go one to each), then runs {@code command}. */
    private void streamsThrough(String command, String stable, String canary, String expectedAnswer) throws Exception {
        CompletableFuture<String> first = stream();
        await("the first stream runs", () -> inFlight() == 1);
        CompletableFuture<String> second = stream();
        await("both streams run", () -> inFlight() == 2);
        String answer = run(command);
        assertTrue(answer, answer.contains(expectedAnswer));
        List<String> bodies = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
        assertTrue("both streams complete, one from each version: " + bodies,
                bodies.containsAll(List.of(lines(stable), lines(canary))));
    }

    @Test
    public void promoteAndRollbackLetRunningStreamsOnBothVersionsComplete() throws Exception {
        run("spindle:canary " + Jars.swapHandler(jars, "2.0.0") + " 50");
        streamsThrough("spindle:promote '/swap/*'", "1.0.0", "2.0.0", "Promoted dev.spindle.swap 2.0.0");
        assertEquals(List.of("2.0.0"), swapVersions());
        assertEquals("version=2.0.0", Http.get(port, "/swap").body);
        assertEquals(List.of("ACTIVE"), server.handlers().stream().filter(h -> !h.webSocket()).map(h -> h.state()).toList());

        run("spindle:canary " + Jars.swapHandler(jars, "3.0.0") + " 50");
        streamsThrough("spindle:rollback dev.spindle.swap", "2.0.0", "3.0.0", "Rolled back dev.spindle.swap 3.0.0");
        assertEquals(List.of("2.0.0"), swapVersions());
        for (int i = 0; i < 10; i++) {
            assertEquals("version=2.0.0", Http.get(port, "/swap").body);
        }
    }

    @Test
    public void aCanaryFailingATenthOfItsRequestsIsRolledBackWithinOneWindow() throws Exception {
        Path bad = Jars.swapHandler(jars.resolve("bad-2.0.0.jar"), main -> {
            main.put(new Attributes.Name("Bundle-Version"), "2.0.0");
            main.put(new Attributes.Name("Swap-Fail-Every"), "10");
        });
        try (Load load = new Load(8, port, "/swap")) {
            await("load runs", () -> load.total() > 200);
            // a window far longer than the wait's bound: a rollback seen at all came from the
            // checks within the first window, not from its end
            String started = run("spindle:canary --window 600 --min-requests 100 " + bad + " 20");
            assertTrue(started, started.contains("takes 20 % of /swap/*"));
            await("the canary is rolled back within its first window", () -> {
                try {
                    return run("spindle:canary").lines().count() == 1;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(List.of("1.0.0"), swapVersions());
            load.close();
            assertEquals("failures: " + load.failures, List.of(), load.failures);
            Map<String, Long> answers = counts(load);
            assertTrue("the canary's own 500s are the only failed requests: " + answers, answers.keySet().equals(
                    java.util.Set.of("200 version=1.0.0", "200 version=2.0.0", "500 failed in 2.0.0")));
        }
    }

    @Test
    public void aGoodCanaryIsPromotedThroughItsStepsAndTheOldVersionCollected() throws Exception {
        Bundle old = context.getBundles()[0];
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName())) {
                old = b;
            }
        }
        WeakReference<ClassLoader> oldLoader = new WeakReference<>(old.loadClass("dev.spindle.swap.SwapHandler").getClassLoader());
        old = null;
        Map<String, Long> seen = new HashMap<>();
        try (Load load = new Load(4, port, "/swap")) {
            await("load runs", () -> load.total() > 200);
            // one-second windows on a shared machine: a p99 twice the stable one's is noise there
            String answer = run("spindle:canary --steps 25,50,100 --window 1 --min-requests 50 --max-p99-ratio 5 "
                    + Jars.swapHandler(jars, "2.0.0") + " 10");
            assertTrue(answer, answer.contains("then [25, 50, 100] % after each clean window of 1 s"));
            await("promoted", () -> swapVersions().equals(List.of("2.0.0")));
            load.close();
            assertEquals("failures: " + load.failures, List.of(), load.failures);
            seen.putAll(counts(load));
        }
        assertEquals(java.util.Set.of("200 version=1.0.0", "200 version=2.0.0"), seen.keySet());
        assertEquals(List.of("ACTIVE"), server.handlers().stream().filter(h -> !h.webSocket()).map(h -> h.state()).toList());
        for (int attempt = 0; attempt < 50 && oldLoader.get() != null; attempt++) {
            System.gc();
            Thread.sleep(100);
        }
        assertEquals("the old version's class loader is collectable", null, oldLoader.get());
        assertNotEquals("", Http.get(port, "/swap").body);
    }

    private void awaitNoCanary() throws InterruptedException {
        CanaryIT.await("no canary listed", () -> {
            try {
                return run("spindle:canary").lines().count() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private void assertOnlyServed(String version) throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals("version=" + version, Http.get(port, "/swap").body);
        }
    }

    /** A canary 2.0.0 at 50 % beside the stable version. */
    private void canaryAtHalf() throws Exception {
        String started = run("spindle:canary " + Jars.swapHandler(jars, "2.0.0") + " 50");
        assertTrue(started, started.contains("takes 50 % of /swap/*"));
    }

    // a canary in flight is rolled back when its handler is deployed or undeployed, or when its stable
    // version goes away by another path (updated in place, as File Install does with a jar replaced
    // in deploy/, or uninstalled): no new version hidden behind its share, no canary left alone

    @Test
    public void undeployingTheStableVersionRollsTheCanaryBackFirst() throws Exception {
        canaryAtHalf();
        String answer = run("spindle:undeploy " + stable.getBundleId());
        assertTrue(answer, answer.contains("Rolled back dev.spindle.swap 2.0.0") && answer.contains("Undeployed dev.spindle.swap 1.0.0"));
        assertEquals(List.of(), swapVersions());
        awaitNoCanary();
    }

    @Test
    public void deployingANewVersionRollsTheCanaryBackFirst() throws Exception {
        canaryAtHalf();
        String answer = run("spindle:deploy " + Jars.swapHandler(jars, "1.1.0"));
        assertTrue(answer, answer.contains("Rolled back dev.spindle.swap 2.0.0") && answer.contains("Updated dev.spindle.swap 1.0.0"));
        assertEquals(List.of("1.1.0"), swapVersions());
        awaitNoCanary();
        assertOnlyServed("1.1.0");
    }

    @Test
    public void theStableVersionUpdatedInPlaceRollsTheCanaryBack() throws Exception {
        canaryAtHalf();
        try (InputStream in = Jars.open(Jars.swapHandler(jars, "1.1.0"))) {
            stable.update(in); // what File Install does with a jar replaced in deploy/
        }
        CanaryIT.await("the canary rolled back", () -> swapVersions().equals(List.of("1.1.0")));
        awaitNoCanary();
        assertOnlyServed("1.1.0");
    }

    @Test
    public void theStableVersionUninstalledRollsTheCanaryBack() throws Exception {
        canaryAtHalf();
        stable.uninstall();
        CanaryIT.await("the canary rolled back", () -> swapVersions().isEmpty());
        awaitNoCanary();
    }
}
