package dev.spindle.host.internal.http.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spindle.host.internal.http.exchange.Exchange;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Data path: between the {@link Dispatcher} and a {@code spindle.blocking} handler. The worker
 * threads, and the rules that keep them from being exhausted: each handler service has a lane
 * that runs at most {@link #perHandler()} of its requests at once (the rest wait in the lane, so
 * one route cannot take every worker); at most {@code queue} requests wait in all (beyond, the
 * dispatcher answers 503 at once); and none waits longer than {@code queueTimeoutMillis} (then the
 * exchange's timer answers 503). The wait is the exchange's timer on its event loop; a worker that
 * takes a request and the timer race for it through one flag, so exactly one of them answers.
 *
 * <p>Shared by every engine the host runs, and outlives them: a new listener or transport keeps
 * the same workers. Its sizes change live ({@link #resize}).
 */
public final class WorkerPool implements Executor {

    private final Executor threads;
    private final ThreadPoolExecutor owned;
    private final ConcurrentHashMap<Long, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile int threadCount;
    private volatile int perHandlerSetting;
    private volatile int queue;
    private volatile long queueTimeoutMillis;

    /** A pool of its own: {@code threadCount} daemon threads named {@code spindle-worker}. */
    public WorkerPool(int threadCount, int perHandler, int queue, long queueTimeoutMillis) {
        this.owned = new ThreadPoolExecutor(threadCount, threadCount, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("spindle-worker", true));
        this.owned.allowCoreThreadTimeOut(true);
        this.threads = owned;
        resize(threadCount, perHandler, queue, queueTimeoutMillis);
    }

    private WorkerPool(Executor threads) {
        this.owned = null;
        this.threads = threads;
        this.threadCount = Integer.MAX_VALUE;
        this.perHandlerSetting = Integer.MAX_VALUE;
        this.queue = Integer.MAX_VALUE;
    }

    /** An executor of someone else's as a pool without limits (tests, benchmarks). */
    public static WorkerPool of(Executor executor) {
        return executor instanceof WorkerPool ? (WorkerPool) executor : new WorkerPool(executor);
    }

    /**
     * New sizes, in effect at once: threads are added or retire after their current request; a
     * lower per-handler limit lets running requests finish and starts no more until under it.
     *
     * @param perHandler requests of one handler running at once; 0 for half the threads (rounded up)
     */
    public void resize(int threadCount, int perHandler, int queue, long queueTimeoutMillis) {
        if (owned != null) {
            if (threadCount > owned.getMaximumPoolSize()) {
                owned.setMaximumPoolSize(threadCount);
                owned.setCorePoolSize(threadCount);
            } else {
                owned.setCorePoolSize(threadCount);
                owned.setMaximumPoolSize(threadCount);
            }
        }
        this.threadCount = threadCount;
        this.perHandlerSetting = perHandler;
        this.queue = queue;
        this.queueTimeoutMillis = queueTimeoutMillis;
    }

    /** Requests of one handler that run at once. */
    public int perHandler() {
        int set = perHandlerSetting;
        return set > 0 ? Math.min(set, threadCount) : Math.max(1, (threadCount + 1) / 2);
    }

    /** The threads that exist now (for the shell and tests). */
    public int threads() {
        return owned == null ? 0 : owned.getPoolSize();
    }

    /** Requests waiting for a worker now. */
    public int waiting() {
        return waiting.get();
    }

    /** Runs {@code task} on a worker, outside every lane and limit. */
    @Override
    public void execute(Runnable task) {
        threads.execute(task);
    }

    /** Stops taking work; running requests finish. */
    public void shutdown() {
        if (owned != null) {
            owned.shutdown();
        }
    }

    /**
     * Runs {@code work} for {@code exchange} on a worker within {@code serviceId}'s lane, or calls
     * {@code unavailable} on the event loop if it waited past the queue timeout. Called on the
     * exchange's event loop.
     *
     * @return false if the queue is full or the pool shut down: nothing was queued
     */
    public boolean submit(long serviceId, Exchange exchange, Runnable work, Runnable unavailable) {
        if (waiting.incrementAndGet() > queue) {
            waiting.decrementAndGet();
            return false;
        }
        Lane lane = lanes.computeIfAbsent(serviceId, Lane::new);
        Job job = new Job(lane, exchange, work);
        boolean runNow;
        synchronized (lane) {
            runNow = lane.running < perHandler();
            if (runNow) {
                lane.running++;
            } else {
                lane.queued.add(job);
            }
        }
        if (runNow && !start(job)) {
            return false;
        }
        long timeout = queueTimeoutMillis;
        if (timeout > 0) {
            exchange.waitFor(() -> {
                if (job.claim()) {
                    waiting.decrementAndGet();
                    lane.giveUp(job);
                    unavailable.run();
                }
            }, TimeUnit.MILLISECONDS.toNanos(timeout));
        }
        return true;
    }

    private boolean start(Job job) {
        try {
            threads.execute(job);
            return true;
        } catch (RejectedExecutionException e) {
            if (job.claim()) {
                waiting.decrementAndGet();
            }
            job.lane.done();
            return false;
        }
    }

    /** One handler's requests: how many run, and those waiting for their turn. */
    private final class Lane {
        private final long serviceId;
        private final ArrayDeque<Job> queued = new ArrayDeque<>();
        private int running;

        Lane(long serviceId) {
            this.serviceId = serviceId;
        }

        /** A request of this lane ended (or gave up its place): the next one starts, if any may. */
        void done() {
            List<Job> next = new ArrayList<>(1);
            synchronized (this) {
                running--;
                Job job;
                // more than one when the limit was raised since they queued
                while (running < perHandler() && (job = queued.poll()) != null) {
                    running++;
                    next.add(job);
                }
                if (running == 0 && queued.isEmpty()) {
                    lanes.remove(serviceId, this);
                }
            }
            for (Job job : next) {
                start(job);
            }
        }

        /** {@code job} waited too long: it leaves the lane, or its place in the threads' queue. */
        void giveUp(Job job) {
            boolean wasQueued;
            synchronized (this) {
                wasQueued = queued.remove(job);
            }
            if (!wasQueued && owned != null && owned.remove(job)) {
                done();
            }
        }
    }

    /** One blocking request: started by exactly one of a worker and the queue timeout. */
    private final class Job extends AtomicBoolean implements Runnable {
        private static final long serialVersionUID = 1L;
        private final transient Lane lane;
        private final transient Exchange exchange;
        private final transient Runnable work;

        Job(Lane lane, Exchange exchange, Runnable work) {
            this.lane = lane;
            this.exchange = exchange;
            this.work = work;
        }

        boolean claim() {
            return compareAndSet(false, true);
        }

        @Override
        public void run() {
            if (!claim()) {
                lane.done(); // the timeout answered it but could not take it out of the threads' queue
                return;
            }
            waiting.decrementAndGet();
            try {
                exchange.sink().loop().execute(exchange::stopWaiting);
            } catch (RejectedExecutionException loopGone) {
                // the engine has shut down: there is no timer left to stop
            }
            try {
                work.run();
            } finally {
                lane.done();
            }
        }
    }
}
