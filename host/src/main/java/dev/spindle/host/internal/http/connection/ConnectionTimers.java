package dev.spindle.host.internal.http.connection;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * Data path: beside one {@link HttpConnection}, every timer the connection has: the idle timer
 * (a new connection's wait for a head, the keep-alive wait between requests, a head that never
 * completes), the request timer (a body still arriving), and the write timer (a client that leaves
 * the write buffer full). Each is one scheduled task per connection whose deadline moves instead
 * of being rescheduled per request, and all end with the connection ({@link #cancelAll}). Timers of
 * one exchange (the response deadline, the handler's own) live with the exchange. Netty's
 * {@code IdleStateHandler} watches for no I/O, which is not what any of these mean: a connection
 * is idle when nothing is unanswered, however recently it wrote.
 */
final class ConnectionTimers {

    /** One moving deadline and the task that checks it. */
    private static final class Timer {
        private final EventExecutor executor;
        private final Runnable expired;
        private ScheduledFuture<?> task;
        private long taskAt;
        private long deadline;

        Timer(EventExecutor executor, Runnable expired) {
            this.executor = executor;
            this.expired = expired;
        }

        /** Fires {@code expired} in {@code millis} unless moved or stopped; 0 or less stops it. */
        void set(long millis) {
            if (millis <= 0) {
                stop();
                return;
            }
            deadline = executor.ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            if (task != null && taskAt - deadline > 0) {
                task.cancel(false); // fires too late for the new deadline
                task = null;
            }
            if (task == null) {
                taskAt = deadline;
                task = executor.schedule(this::check, millis, TimeUnit.MILLISECONDS);
            }
        }

        /** Keeps a deadline already set; sets one otherwise. */
        void setIfUnset(long millis) {
            if (deadline == 0) {
                set(millis);
            }
        }

        void stop() {
            deadline = 0;
        }

        boolean running() {
            return deadline != 0;
        }

        private void check() {
            task = null;
            if (deadline == 0) {
                return;
            }
            long left = deadline - executor.ticker().nanoTime();
            if (left > 0) {
                taskAt = deadline;
                task = executor.schedule(this::check, left, TimeUnit.NANOSECONDS);
            } else {
                deadline = 0;
                expired.run();
            }
        }

        void cancel() {
            deadline = 0;
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        }
    }

    private final Timer idle;
    private final Timer request;
    private final Timer write;

    ConnectionTimers(EventExecutor executor, Runnable idleExpired, Runnable requestExpired, Runnable writeExpired) {
        this.idle = new Timer(executor, idleExpired);
        this.request = new Timer(executor, requestExpired);
        this.write = new Timer(executor, writeExpired);
    }

    /** Nothing unanswered: the connection closes (or answers 408 for a partial head) after {@code millis}. */
    void idle(long millis) {
        idle.set(millis);
    }

    void notIdle() {
        idle.stop();
    }

    /** A body is arriving: it must be complete within {@code millis} of its request's start. */
    void bodyArriving(long millis) {
        request.setIfUnset(millis);
    }

    /** The body is complete (or given up). */
    void bodyDone() {
        request.stop();
    }

    /** The write buffer is full: the client has {@code millis} to start reading. */
    void writeBlocked(long millis) {
        write.setIfUnset(millis);
    }

    void writeFlowing() {
        write.stop();
    }

    boolean writeBlocked() {
        return write.running();
    }

    /** The connection is gone: no task of it stays scheduled. */
    void cancelAll() {
        idle.cancel();
        request.cancel();
        write.cancel();
    }
}
