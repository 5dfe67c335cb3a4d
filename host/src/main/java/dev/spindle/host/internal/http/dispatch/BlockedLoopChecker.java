package dev.spindle.host.internal.http.dispatch;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiConsumer;

import dev.spindle.host.internal.router.RouteTarget;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Beside the data path: notices a handler that holds an event loop (blocking I/O, a lock, a long
 * computation) and says which one, with the loop thread's stack, like Vert.x's blocked-thread
 * checker. Each event-loop thread marks the handler it runs and when it started it, with ordered
 * writes; a daemon thread looks often (a tenth of the threshold) and, for a handler it finds
 * running, sleeps only until that invocation would cross the threshold, then reports it with the
 * stack. If the checker thread was kept from running until the invocation had returned (a loaded
 * machine), the loop thread itself hands the overlong invocation over when it returns, and it is
 * reported without a stack: every invocation longer than the threshold is reported once, none
 * shorter by more than the engine's own work between the loop's last clock reading and the call.
 * The request path pays one clock read and three ordered stores: an invocation's start is the
 * latest reading the loop already has (its read batch began, or its previous invocation ended),
 * never more than one request's decoding before the call.
 */
public final class BlockedLoopChecker implements AutoCloseable {

    /** What one event-loop thread is running. */
    static final class Watch {
        private static final AtomicReferenceFieldUpdater<Watch, RouteTarget> CURRENT =
                AtomicReferenceFieldUpdater.newUpdater(Watch.class, RouteTarget.class, "current");
        private static final AtomicLongFieldUpdater<Watch> STARTED = AtomicLongFieldUpdater.newUpdater(Watch.class, "started");

        final Thread thread = Thread.currentThread();
        volatile RouteTarget current;
        /** {@code System.nanoTime()} when {@link #current} was entered; identifies the invocation. */
        volatile long started;
        /** The checker's own: the invocation it reported last. */
        long reported;
        /** The loop's own: when its last invocation ended ({@code System.nanoTime()}). */
        private long lastExit = System.nanoTime();

        /**
         * {@code target} is called now. {@code knownNanos} is a clock reading the caller took
         * since the loop's last work began (its read batch's start); the latest of it and the
         * previous invocation's end serves as this one's start, so no clock is read here.
         */
        void enter(RouteTarget target, long knownNanos) {
            STARTED.lazySet(this, knownNanos - lastExit > 0 ? knownNanos : lastExit);
            CURRENT.lazySet(this, target);
        }

        void exit() {
            RouteTarget target = current;
            CURRENT.lazySet(this, null);
            long now = System.nanoTime();
            lastExit = now;
            long threshold = reportAfterNanos;
            if (threshold != Long.MAX_VALUE) {
                long took = now - started;
                if (took >= threshold) {
                    RETURNED.add(new Returned(this, target, started, took));
                }
            }
        }
    }

    /** An invocation over the threshold that returned before the checker reported it, perhaps. */
    private record Returned(Watch watch, RouteTarget target, long started, long tookNanos) {
    }

    private static final List<Watch> WATCHES = new CopyOnWriteArrayList<>();
    private static final Queue<Returned> RETURNED = new ConcurrentLinkedQueue<>();
    private static final List<BlockedLoopChecker> RUNNING = new CopyOnWriteArrayList<>();
    /** The lowest threshold of the running checkers, for the loops' own check on return; none: MAX_VALUE. */
    private static volatile long reportAfterNanos = Long.MAX_VALUE;
    private static final FastThreadLocal<Watch> WATCH = new FastThreadLocal<>() {
        @Override
        protected Watch initialValue() {
            Watch w = new Watch();
            WATCHES.add(w);
            return w;
        }

        @Override
        protected void onRemoval(Watch w) {
            WATCHES.remove(w);
        }
    };

    private final Thread checker;
    private final long thresholdNanos;
    private final BiConsumer<String, Throwable> report;
    private volatile boolean running = true;

    /**
     * @param thresholdMillis how long a handler may hold a loop before it is reported
     * @param report          called with a message and the loop thread's stack (or {@code null} when the
     *                        invocation had returned before the stack could be taken), once per invocation
     */
    public BlockedLoopChecker(long thresholdMillis, BiConsumer<String, Throwable> report) {
        this.thresholdNanos = TimeUnit.MILLISECONDS.toNanos(thresholdMillis);
        this.report = report;
        RUNNING.add(this);
        updateReportAfter();
        long lookEvery = Math.max(TimeUnit.MILLISECONDS.toNanos(1), thresholdNanos / 10);
        checker = new Thread(() -> {
            long pause = lookEvery;
            while (running) {
                try {
                    TimeUnit.NANOSECONDS.sleep(pause);
                } catch (InterruptedException e) {
                    return;
                }
                reportReturned();
                pause = Math.min(lookEvery, check(System.nanoTime()));
            }
        }, "spindle-blocked-loop-checker");
        checker.setDaemon(true);
        checker.start();
    }

    /** The watch of the calling event-loop thread. */
    static Watch watch() {
        return WATCH.get();
    }

    /** Reports what has crossed the threshold; returns the nanoseconds until the next running invocation would. */
    private long check(long now) {
        long next = Long.MAX_VALUE;
        for (Watch w : WATCHES) {
            RouteTarget holder = w.current;
            long started = w.started;
            if (holder == null || started == w.reported) {
                continue;
            }
            long left = started + thresholdNanos - now;
            if (left > 0) {
                next = Math.min(next, left);
                continue;
            }
            w.reported = started;
            Throwable where = new Throwable("stack of " + w.thread.getName());
            where.setStackTrace(w.thread.getStackTrace());
            report.accept(message(holder, w, now - started, "has held", ""), where);
        }
        return next;
    }

    /** Overlong invocations that returned before {@link #check} could report them (ones it did are skipped). */
    private void reportReturned() {
        Returned r;
        while ((r = RETURNED.poll()) != null) {
            if (r.started() != r.watch().reported) {
                r.watch().reported = r.started();
                report.accept(message(r.target(), r.watch(), r.tookNanos(), "held",
                        " (it had returned before its stack could be taken)"), null);
            }
        }
    }

    private String message(RouteTarget holder, Watch w, long nanos, String verb, String note) {
        return "Handler service " + holder.serviceId() + " " + verb + " event loop " + w.thread.getName() + " for "
                + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms (more than " + TimeUnit.NANOSECONDS.toMillis(thresholdNanos)
                + " ms)" + note + ": a handler that blocks must set spindle.blocking=true";
    }

    @Override
    public void close() {
        running = false;
        checker.interrupt();
        RUNNING.remove(this);
        updateReportAfter();
    }

    private static synchronized void updateReportAfter() {
        reportAfterNanos = RUNNING.stream().mapToLong(c -> c.thresholdNanos).min().orElse(Long.MAX_VALUE);
    }
}
