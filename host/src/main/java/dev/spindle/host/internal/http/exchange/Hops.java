package dev.spindle.host.internal.http.exchange;

import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * Data path: how a call from another thread reaches the event loop that owns an exchange. A plain
 * thread waits for the call to run there; another event loop of the same engine never waits (two
 * loops waiting on each other would deadlock): it queues calls that change state and reads the
 * state as last published for calls that only read it. After the loops shut down a call fails
 * with {@link LoopGone}.
 */
public final class Hops {

    private static final Logger LOG = LoggerFactory.getLogger(Hops.class);

    /** The owning event loop no longer runs tasks: the server has shut down. */
    static final class LoopGone extends HttpException {
        private static final long serialVersionUID = 1L;

        LoopGone() {
            super(ERR_STREAM_DESTROYED, "the server has shut down: the response is destroyed");
        }
    }

    private Hops() {
    }

    /**
     * Runs {@code call} on {@code loop} for a caller elsewhere and returns its result. A caller on
     * another event loop gets {@code ifQueued} at once when {@code queueable}; a failure of the
     * queued call goes to the response's {@code 'error'} listeners.
     */
    static <T> T run(EventLoop loop, Supplier<T> call, boolean queueable, T ifQueued, ResponseEvents events) {
        boolean fromLoop = onSomeLoop(loop);
        if (fromLoop && !queueable) {
            // a read from another event loop: waiting could deadlock two loops, so it reads the
            // state as last published, on the caller's thread
            return call.get();
        }
        if (fromLoop) {
            try {
                loop.execute(() -> {
                    try {
                        call.get();
                    } catch (HttpException e) {
                        events.fireError(e);
                    } catch (RuntimeException e) {
                        LOG.warn("A call queued from another event loop failed", e);
                    }
                });
            } catch (RejectedExecutionException e) {
                throw new LoopGone();
            }
            return ifQueued;
        }
        Future<T> done;
        try {
            done = loop.submit(call::get);
        } catch (RejectedExecutionException e) {
            throw new LoopGone();
        }
        done.awaitUninterruptibly();
        if (done.isSuccess()) {
            return done.getNow();
        }
        Throwable cause = done.cause();
        if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        throw new LoopGone();
    }

    /**
     * Runs {@code task} on {@code loop} now if already there, else later in order. Returns false
     * when the loop has shut down and the task will never run.
     */
    public static boolean later(EventLoop loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return true;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.debug("Event loop gone: a task for a destroyed exchange is dropped");
            return false;
        }
    }

    /** Runs {@code task} on {@code loop} after what it is doing now (Node's nextTick); dropped after shutdown. */
    static void afterwards(EventLoop loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("Event loop gone: a callback of a destroyed exchange is dropped");
        }
    }

    /** Whether the calling thread may wait for {@code loop}: it is none of its engine's event loops. */
    static boolean mayWait(EventLoop loop) {
        return !loop.inEventLoop() && !onSomeLoop(loop);
    }

    /** Whether the calling thread is one of the event loops of {@code loop}'s engine. */
    private static boolean onSomeLoop(EventLoop loop) {
        if (loop.parent() == null) {
            return false;
        }
        for (EventExecutor e : loop.parent()) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
