package dev.spindle.itests;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * A request held in flight on purpose: writes {@code first half, }, then waits (at most 30 s) for
 * {@link #release()} before ending with {@code second half}.
 */
final class HalfwayHandler implements Handler {

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        res.write("first half, ");
        started.countDown();
        CompletableFuture.runAsync(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            res.end("second half");
        });
    }

    /** Waits (at most 10 s) until the first half is written. */
    boolean awaitStarted() throws InterruptedException {
        return started.await(10, TimeUnit.SECONDS);
    }

    void release() {
        release.countDown();
    }
}
