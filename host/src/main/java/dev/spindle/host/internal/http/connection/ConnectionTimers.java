package dev.spindle.host.internal.http.connection;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * Data path: beside one {@link HttpConnection}, every timer the connection has: the idle timer
 * (a new connection's wait for a head, the keep-alive wait between requests, a head that never
 * completes), the request timer (a body still arriving), and the write timer (a client that leaves
 * the write buffer full). Three deadlines and one scheduled task for the earliest of them, whose
 * deadlines move instead of being rescheduled per request; all end with the connection
 * ({@link #cancelAll}). Timers of
 * one exchange (the response deadline, the handler's own) live with the exchange. Netty's
 * {@code IdleStateHandler} watches for no I/O, which is not what any of these mean: a connection
 * is idle when nothing is unanswered, however recently it wrote.
 */
final class ConnectionTimers implements Runnable {

    private final EventExecutor executor;
    /** Whose parts a timer's expiry calls (made after the timers, before any can fire). */
    private final HttpConnection connection;
    /** The deadlines ({@code ticker().nanoTime()}); 0 when the timer is not running. */
    private long idle;
    private long request;
    private long write;
    /** The one task scheduled for the connection, and when it fires: never after the earliest deadline. */
    private ScheduledFuture<?> task;
    private long taskAt;
    /** After {@link #cancelAll}: nothing is scheduled again. */
    private boolean over;

    ConnectionTimers(EventExecutor executor, HttpConnection connection) {
        this.executor = executor;
        this.connection = connection;
    }

    /** Nothing unanswered: the connection closes (or answers 408 for a partial head) after {@code millis}. */
    void idle(long millis) {
        idle = deadline(millis);
    }

    void notIdle() {
        idle = 0;
    }

    /** A body is arriving: it must be complete within {@code millis} of its request's start. */
    void bodyArriving(long millis) {
        if (request == 0) {
            request = deadline(millis);
        }
    }

    /** The body is complete (or given up). */
    void bodyDone() {
        request = 0;
    }

    /** The write buffer is full: the client has {@code millis} to start reading. */
    void writeBlocked(long millis) {
        if (write == 0) {
            write = deadline(millis);
        }
    }

    void writeFlowing() {
        write = 0;
    }

    boolean writeBlocked() {
        return write != 0;
    }

    /** The connection is gone: no task of it stays scheduled. */
    void cancelAll() {
        over = true;
        idle = request = write = 0;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    /**
     * A deadline {@code millis} from now (0 or less: none), with the task moved earlier if it would
     * fire after it. A deadline moved later keeps the task: it finds the deadline not yet due and
     * schedules itself again, so a keep-alive connection costs one task, not one per request.
     */
    private long deadline(long millis) {
        if (millis <= 0 || over) {
            return 0;
        }
        long at = executor.ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        if (task != null && taskAt - at > 0) {
            task.cancel(false); // fires too late for the new deadline
            task = null;
        }
        if (task == null) {
            taskAt = at;
            task = executor.schedule(this, millis, TimeUnit.MILLISECONDS);
        }
        return at;
    }

    /** The task: runs what is due, then schedules itself for the earliest deadline left. */
    @Override
    public void run() {
        task = null;
        long now = executor.ticker().nanoTime();
        if (idle != 0 && idle - now <= 0) {
            idle = 0;
            connection.ending().idleExpired(); // a partial head answered 408, else a close
        }
        if (request != 0 && request - now <= 0) {
            request = 0;
            connection.ending().requestExpired(); // a body still arriving
        }
        if (write != 0 && write - now <= 0) {
            write = 0;
            connection.writes().writeExpired(); // the client left the write buffer full
        }
        long next = earliest(earliest(idle, request), write);
        if (next != 0 && task == null) {
            taskAt = next;
            task = executor.schedule(this, Math.max(0, next - executor.ticker().nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** The earlier of two deadlines, 0 meaning none. */
    private static long earliest(long a, long b) {
        return a == 0 || (b != 0 && b - a < 0) ? b : a;
    }
}
