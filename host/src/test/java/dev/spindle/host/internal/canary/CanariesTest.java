package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import dev.spindle.host.internal.router.Whiteboard;

/** The analysis and the endings it decides: a drain does not hold the analysis up. */
class CanariesTest {

    /**
     * A canary whose stable version is gone is rolled back by the analysis; its drain (here an
     * uninstall that waits until the test lets it go) runs on another thread, and the analysis
     * returns at once, free to judge the other canaries.
     */
    @Test
    void theAnalysisDoesNotWaitForTheDrainOfARollbackItDecided() throws Exception {
        CountDownLatch draining = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicReference<Thread> drainedOn = new AtomicReference<>();
        Bundle canary = Stubs.bundle(7, () -> {
            drainedOn.set(Thread.currentThread());
            draining.countDown();
            letGo.await(60, TimeUnit.SECONDS);
            throw new org.osgi.framework.BundleException("stands for the rest of the uninstall");
        });
        Canaries canaries = new Canaries(new Whiteboard(), Stubs.emptyContext());
        try {
            Release r = new Release(canary, 3, 0, CanaryPolicy.DEFAULT, Canaries.SHELL);
            AtomicReference<Thread> analysedOn = new AtomicReference<>();
            CompletableFuture<Void> analysed = CompletableFuture.runAsync(() -> {
                analysedOn.set(Thread.currentThread());
                try {
                    canaries.analyse(r, System.nanoTime());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(draining.await(30, TimeUnit.SECONDS), "the rollback drains the canary");
            analysed.get(30, TimeUnit.SECONDS); // while the drain is held: the analysis returned
            assertTrue(r.ending(), "the release is ending from the moment it was decided");
            assertNotEquals(analysedOn.get(), drainedOn.get(), "the drain runs on a thread of its own");
        } finally {
            letGo.countDown();
            canaries.deactivate();
        }
    }
}
