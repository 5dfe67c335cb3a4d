package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

/**
 * Removal is not an update: a handler bundle removed for good (its jar deleted from deploy/,
 * {@code spindle:undeploy}) leaves its route answering 404 at once, while an update or a refresh
 * keeps new requests waiting for the replacement (the grace, 10 s by default here).
 */
class RemovalIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    @Test
    void deletingAJarFromDeployAnswers404AtOnceNotAfterTheGrace() throws Exception {
        try (Container c = Container.prepare("removal-deploy")) {
            Path jar = Jars.swapHandler(c.home.resolve("jars"), "1.0.0");
            c.deploy(jar);
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());

            long deleted = System.nanoTime();
            Files.delete(c.home.resolve("deploy").resolve(jar.getFileName()));
            Http.Response r = Http.get(c.port, "/swap");
            while (r.status == 200 && millisSince(deleted) < 20_000) {
                r = Http.get(c.port, "/swap");
            }
            long took = millisSince(deleted);
            assertEquals(404, r.status, "the first answer after the removal: " + r.head);
            assertTrue(took < 3000, "404 only " + took + " ms after the jar was deleted (File Install polls every 250 ms)");
        }
    }

    @Test
    void undeployAnswers404AtOnceAndAnUpdateNeverDoes() throws Exception {
        try (Container c = Container.prepare("removal-undeploy")) {
            c.deploy(Jars.swapHandler(c.home.resolve("jars"), "1.0.0"));
            c.start(false);
            assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
            assertTrue(c.awaitStarted(STARTUP), "started, the console answering\n" + c.log());

            // an update (spindle:redeploy updates and refreshes) under a client polling the route
            Path v2 = Jars.swapHandler(c.home.resolve("jars"), "2.0.0");
            Map<String, LongAdder> answers = new ConcurrentHashMap<>();
            Thread poller = new Thread(() -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
                    try {
                        Http.Response r = Http.get(c.port, "/swap");
                        answers.computeIfAbsent(r.status + " " + r.body, k -> new LongAdder()).increment();
                    } catch (java.io.IOException e) {
                        answers.computeIfAbsent(e.toString(), k -> new LongAdder()).increment();
                    }
                }
            }, "poller");
            poller.start();
            String redeployed = c.script("spindle:redeploy dev.spindle.swap " + v2);
            assertTrue(redeployed.contains("Redeployed"), redeployed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!answers.containsKey("200 version=2.0.0") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            poller.interrupt();
            poller.join(15_000);
            Map<String, Long> seen = new TreeMap<>();
            answers.forEach((k, v) -> seen.put(k, v.sum()));
            assertEquals(java.util.Set.of("200 version=1.0.0", "200 version=2.0.0"), seen.keySet(),
                    "an update answers from one version or the other, never 404 or 503: " + seen);

            long undeployed = System.nanoTime();
            String out = c.script("spindle:undeploy dev.spindle.swap");
            assertTrue(out.contains("Undeployed"), out);
            Http.Response r = Http.get(c.port, "/swap");
            long took = millisSince(undeployed);
            assertEquals(404, r.status, r.head);
            assertTrue(took < 2000, "404 only " + took + " ms after spindle:undeploy");
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
