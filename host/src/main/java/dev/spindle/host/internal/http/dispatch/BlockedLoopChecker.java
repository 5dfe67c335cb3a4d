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
 * checker. Each event-loop thread marks the handler it runs and when the span of calls it belongs
 * to started, with ordered writes; a daemon thread looks often (a tenth of the threshold) and, for
 * a span it finds running, sleeps only until it would cross the threshold, then reports the
 * handler running then, with the stack. If the checker thread was kept from running until the span
 * had ended (a loaded machine), the loop thread itself hands the overlong span over when it ends,
 * and it is reported without a stack: every span longer than the threshold is reported once, none
 * shorter.
 *
 * <p>A span is one handler call, or, for the calls a connection makes in one read batch (pipelined
 * requests), all of them, from the batch's start to its flush: so that a request pays no clock
 * read of its own. A span starts at the latest clock reading the loop already has (its read
 * batch's start, or the previous span's end), never more than one request's decoding before the
 * call, and ends with one clock read (for a batch, the flush's own).
 */
public final class BlockedLoopChecker implements AutoCloseable {

    /** What one event-loop thread is running. */
    static final class Watch {
        private static final AtomicReferenceFieldUpdater<Watch, RouteTarget> CURRENT =
                AtomicReferenceFieldUpdater.newUpdater(Watch.class, RouteTarget.class, "current");
        private static final AtomicLongFieldUpdater<Watch> STARTED = AtomicLongFieldUpdater.newUpdater(Watch.class, "started");

        final Thread thread = Thread.currentThread();
        volatile RouteTarget current;
        /** {@code System.nanoTime()} when the span {@link #current} runs in began; identifies the span. */
        volatile long started;
        /** The checker's own: the span it reported last. */
        long reported;
        /** The loop's own: when its last span ended ({@code System.nanoTime()}). */
        private long lastExit = System.nanoTime();
        /** The loop's own: a span is running. */
        private boolean open;
        /** The loop's own: handler calls in the running span. */
        private int calls;

        /**
         * {@code target} is called now. {@code knownNanos} is a clock reading the caller took
         * since the loop's last work began (its read batch's start); the latest of it and the
         * previous span's end starts a new span, so no clock is read here. In an open span (a
         * read batch's calls) only the handler running changes.
         */
        void enter(RouteTarget target, long knownNanos) {
            if (!open) {
                open = true;
                calls = 0;
                STARTED.lazySet(this, knownNanos - lastExit > 0 ? knownNanos : lastExit);
            }
            calls++;
            CURRENT.lazySet(this, target);
        }

        /**
         * The span ends: {@code nowNanos} is a clock reading taken after its last call, or 0 to
         * read the clock here. Nothing to do when no span is open.
         */
        void settle(long nowNanos) {
            if (!open) {
                return;
            }
            open = false;
            RouteTarget target = current;
            CURRENT.lazySet(this, null);
            long now = nowNanos != 0 ? nowNanos : System.nanoTime();
            lastExit = now;
            long threshold = reportAfterNanos;
            if (threshold != Long.MAX_VALUE) {
                long took = now - started;
                if (took >= threshold) {
                    RETURNED.add(new Returned(this, target, calls, started, took));
                }
            }
        }
    }

    /** A span over the threshold that ended before the checker reported it, perhaps. */
    private record Returned(Watch watch, RouteTarget target, int calls, long started, long tookNanos) {
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
     *                        span had ended before the stack could be taken), once per span
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

    /**
     * The read batch on the calling event loop is over: the span of its handler calls ends, at
     * {@code nowNanos} (a clock reading taken after its last call, or 0 to read the clock).
     */
    public static void batchEnded(long nowNanos) {
        WATCH.get().settle(nowNanos);
    }

    /** Reports what has crossed the threshold; returns the nanoseconds until the next running span would. */
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

    /** Overlong spans that ended before {@link #check} could report them (ones it did are skipped). */
    private void reportReturned() {
        Returned r;
        while ((r = RETURNED.poll()) != null) {
            if (r.started() != r.watch().reported) {
                r.watch().reported = r.started();
                String note = r.calls() > 1
                        ? " (the last of " + r.calls() + " calls of one read batch, which ended before its stack could be taken)"
                        : " (it had returned before its stack could be taken)";
                report.accept(message(r.target(), r.watch(), r.tookNanos(), "held", note), null);
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
