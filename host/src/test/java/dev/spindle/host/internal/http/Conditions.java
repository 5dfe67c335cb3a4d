package dev.spindle.host.internal.http;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Bounded waits for the tests over real sockets: a condition polled until it holds, at most 5 s. */
public final class Conditions {

    private Conditions() {
    }

    /** Whether {@code condition} came true within 5 s. */
    public static boolean within5s(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
