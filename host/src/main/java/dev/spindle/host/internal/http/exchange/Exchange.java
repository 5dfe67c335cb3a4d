package dev.spindle.host.internal.http.exchange;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Data path: one request and its response, between the protocol that carries them (beneath:
 * {@link RequestSource}, {@link ResponseSink}) and the dispatcher that hands them to a handler.
 * Owns what both halves share: the outcome, the handler serving it, and the exchange's timers (the
 * handler's {@code setTimeout}, the host's response deadline, a wait for a route), each cancelled
 * when the exchange ends so that nothing keeps a finished exchange, its handler or its bundle's
 * class loader reachable. Event loop only.
 */
public final class Exchange extends ResponseEvents {

    /** Hears how each exchange ended: the protocol counts it and moves on. */
    public interface Observer {
        void exchangeDone(Exchange exchange, Outcome outcome);

        /** A callback the handler registered on this exchange threw; the exchange goes on. */
        void listenerFailed(Exchange exchange, Throwable t);
    }

    private final Request request;
    private final Response response;
    private final ResponseSink sink;
    private final Observer observer;
    private final EventLoop loop;
    private final boolean expectContinue;
    /** When the read that brought this request began: shared by the requests of one batch. */
    private final long startNanos;
    /** The request's method as the handler's counters keep it. */
    private final RequestMethod method;
    private RouteTarget target;
    private Outcome failure;
    private boolean gone;
    private ScheduledFuture<?> handlerTimer;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> waitTimer;
    private Runnable waitTask;

    /**
     * @param keepAlive      whether the request asks to keep the connection
     * @param expectContinue the request carries {@code Expect: 100-continue}
     */
    public Exchange(HttpRequest head, RequestSource source, ResponseSink sink, Observer observer, boolean keepAlive,
            long maxBodyBytes, boolean expectContinue, long startNanos) {
        this.sink = sink;
        this.observer = observer;
        this.loop = sink.loop();
        this.expectContinue = expectContinue;
        this.startNanos = startNanos;
        this.method = RequestMethod.of(head.method());
        this.request = new Request(head, source, this, maxBodyBytes);
        HeadDraft draft = new HeadDraft(keepAlive, !request.isHead(), request.acceptsChunked());
        this.response = new Response(this, sink, draft, this, expectContinue);
    }

    public Request request() {
        return request;
    }

    public Response response() {
        return response;
    }

    /** The protocol beneath the response. */
    public ResponseSink sink() {
        return sink;
    }

    public boolean expectContinue() {
        return expectContinue;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The request's method as the handler's counters keep it. */
    public RequestMethod method() {
        return method;
    }

    /** The handler serving this exchange, already counted in by {@link RouteTarget#tryStart()}. */
    public void target(RouteTarget target) {
        this.target = target;
    }

    public RouteTarget target() {
        return target;
    }

    /** Whether the exchange is over (answered, or its connection gone). */
    public boolean gone() {
        return gone;
    }

    // ---------------------------------------------------------------- timers

    /**
     * Runs {@code task} after {@code delayNanos} unless the exchange ends first (one such wait at a
     * time: a request parked for its route).
     */
    public void waitFor(Runnable task, long delayNanos) {
        cancel(waitTimer);
        waitTask = gone ? null : task;
        waitTimer = gone ? null : loop.schedule(() -> {
            waitTimer = null;
            waitTask = null;
            task.run();
        }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** The wait of {@link #waitFor} is over before its time. */
    public void stopWaiting() {
        cancel(waitTimer);
        waitTimer = null;
        waitTask = null;
    }

    /** Cuts the wait of {@link #waitFor} short: its task runs now, as if its time had come. */
    public void endWait() {
        Runnable task = waitTask;
        if (task != null) {
            stopWaiting();
            task.run();
        }
    }

    /** The handler's {@code setTimeout}: its callback, or without one the exchange is given up. */
    void setTimeout(long millis, Runnable onTimeout) {
        Hops.later(loop, () -> {
            cancel(handlerTimer);
            handlerTimer = millis > 0 && !gone ? loop.schedule(() -> {
                handlerTimer = null;
                if (gone || response.writableFinished()) {
                    return;
                }
                if (onTimeout != null) {
                    invoke(onTimeout);
                } else {
                    abort(Outcome.TIMED_OUT);
                }
            }, millis, TimeUnit.MILLISECONDS) : null;
        });
    }

    /**
     * The host's response timeout: if the response has not finished in {@code millis}, a handler
     * that sent nothing gets a 503 answered for it, one that started is cut off; either way the
     * outcome is {@link Outcome#TIMED_OUT}.
     */
    public void deadline(long millis) {
        deadline = loop.schedule(() -> {
            deadline = null;
            if (gone || response.writableFinished() || response.writableEnded()) {
                return;
            }
            failure = Outcome.TIMED_OUT;
            if (response.headOpen()) {
                HostAnswers.givenUp(response);
            } else {
                sink.cutOff();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    // ---------------------------------------------------------------- ends

    /** The handler threw: whatever happens next, the outcome is {@link Outcome#HANDLER_FAILED}. */
    public void markFailed() {
        Hops.later(loop, () -> failure = Outcome.HANDLER_FAILED);
    }

    /** Gives up the exchange: what was written is flushed, then the connection is closed. */
    public void abort(Outcome why) {
        Hops.later(loop, () -> {
            if (!gone) {
                failure = why;
                sink.cutOff();
            }
        });
    }

    /**
     * The host ends the exchange for {@code why} ({@link Outcome#HANDLER_REMOVED} when a removed
     * handler's drain ran out, {@link Outcome#SERVER_SHUTDOWN} at the shutdown deadline): a handler
     * that sent nothing gets a {@code 503} answered for it, a response under way is cut off after
     * what was written; either way the connection closes and {@code onDone} hears {@code why}.
     */
    public void endFor(Outcome why) {
        if (gone) {
            return;
        }
        stopWaiting();
        if (response.writableEnded()) {
            sink.cutOff(); // complete, only not all in the socket yet: it may still finish
            return;
        }
        failure = why;
        if (response.headOpen()) {
            HostAnswers.givenUp(response);
        } else {
            sink.cutOff();
        }
    }

    /**
     * The protocol will not take this request's body ({@code 408} too slow, {@code 413} too
     * large): the handler hears {@code onAborted}; a response not begun is replaced by
     * {@code status}, one under way is cut off; {@code onDone} hears {@code why}.
     */
    public void refuseBody(int status, Outcome why) {
        if (gone) {
            return;
        }
        request.abort();
        failure = why;
        if (response.headOpen()) {
            HostAnswers.bodyRefused(response, status);
        } else {
            sink.cutOff();
        }
    }

    /** The whole response is in the socket. */
    public void finished() {
        response.finished(failure != null ? failure : Outcome.COMPLETED);
    }

    /** The connection is gone (or closing) before this exchange finished. */
    public void destroy(Outcome why) {
        if (gone) {
            return;
        }
        gone = true;
        request.abort();
        response.destroyed(failure != null ? failure : why);
    }

    /** Called once, by the response, when the outcome is known. */
    void ended(Outcome outcome) {
        if (!fireDone(outcome)) {
            return;
        }
        gone = true;
        cancel(handlerTimer);
        cancel(deadline);
        cancel(waitTimer);
        handlerTimer = null;
        deadline = null;
        waitTimer = null;
        waitTask = null;
        request.discard();
        observer.exchangeDone(this, outcome);
    }

    @Override
    protected void listenerFailed(Throwable t) {
        if (target != null) {
            target.listenerFailed(method);
        }
        observer.listenerFailed(this, t);
    }
}
