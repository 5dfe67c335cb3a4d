package dev.spindle.host.internal.http.dispatch;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiConsumer;

import dev.spindle.host.internal.router.RouteTarget;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Notices a handler that holds an event loop (blocking I/O, a lock, a long computation) and says
 * which one, with the loop thread's stack, like Vert.x's blocked-thread checker. Each event-loop
 * thread marks the handler it runs with ordered writes and a sequence number; a daemon thread looks
 * every interval and reports a handler still running the same invocation it saw last time, once per
 * invocation. The request path pays two ordered stores and an increment, no clock read.
 */
public final class BlockedLoopChecker implements AutoCloseable {

    /** What one event-loop thread is running. */
    static final class Watch {
        private static final AtomicReferenceFieldUpdater<Watch, RouteTarget> CURRENT =
                AtomicReferenceFieldUpdater.newUpdater(Watch.class, RouteTarget.class, "current");
        private static final AtomicLongFieldUpdater<Watch> SEQUENCE = AtomicLongFieldUpdater.newUpdater(Watch.class, "sequence");

        final Thread thread = Thread.currentThread();
        volatile RouteTarget current;
        volatile long sequence;
        long seenSequence = -1;
        long reportedSequence = -1;

        void enter(RouteTarget target) {
            SEQUENCE.lazySet(this, sequence + 1);
            CURRENT.lazySet(this, target);
        }

        void exit() {
            CURRENT.lazySet(this, null);
        }
    }

    private static final List<Watch> WATCHES = new CopyOnWriteArrayList<>();
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
    private volatile boolean running = true;

    /**
     * @param intervalMillis how long a handler may hold a loop before it is reported (and how often to look)
     * @param report         called with a message and the loop thread's stack, at most once per invocation
     */
    public BlockedLoopChecker(long intervalMillis, BiConsumer<String, Throwable> report) {
        checker = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
                check(intervalMillis, report);
            }
        }, "spindle-blocked-loop-checker");
        checker.setDaemon(true);
        checker.start();
    }

    /** The watch of the calling event-loop thread. */
    static Watch watch() {
        return WATCH.get();
    }

    private static void check(long intervalMillis, BiConsumer<String, Throwable> report) {
        for (Watch w : WATCHES) {
            RouteTarget running = w.current;
            long seq = w.sequence;
            if (running != null && seq == w.seenSequence && seq != w.reportedSequence) {
                w.reportedSequence = seq;
                Throwable where = new Throwable("stack of " + w.thread.getName());
                where.setStackTrace(w.thread.getStackTrace());
                report.accept("Handler service " + running.serviceId() + " has held event loop " + w.thread.getName()
                        + " for more than " + intervalMillis + " ms: a handler that blocks must set spindle.blocking=true",
                        where);
            }
            w.seenSequence = seq;
        }
    }

    @Override
    public void close() {
        running = false;
        checker.interrupt();
    }
}
