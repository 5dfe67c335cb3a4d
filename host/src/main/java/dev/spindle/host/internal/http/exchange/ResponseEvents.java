package dev.spindle.host.internal.http.exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpException;
import dev.spindle.api.Outcome;

/**
 * Data path: the events of one exchange (the first layer of {@link Exchange}), request and response alike ({@code 'finish'},
 * {@code 'close'}, {@code 'drain'}, {@code 'error'}, {@code onDone}, the request's data, end and
 * aborted listeners). Touched on the event loop only. Every user callback goes through
 * {@link #invoke}: one that throws is logged and counted against its handler, never propagated
 * into the engine.
 */
public abstract class ResponseEvents {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseEvents.class);

    private List<Runnable> finish;
    private List<Runnable> close;
    private List<Runnable> drain;
    private List<Consumer<? super HttpException>> error;
    private List<Consumer<? super Outcome>> done;
    private Outcome outcome;

    /** A listener threw: the exchange logs it and counts it against its handler. */
    protected abstract void listenerFailed(Throwable t);

    void onFinish(Runnable l) {
        finish = add(finish, l);
    }

    void onClose(Runnable l) {
        close = add(close, l);
    }

    void onDrain(Runnable l) {
        drain = add(drain, l);
    }

    void onError(Consumer<? super HttpException> l) {
        error = add(error, l);
    }

    /** A done listener added after the outcome is known runs at once. */
    void onDone(Consumer<? super Outcome> l) {
        if (outcome != null) {
            invoke(l, outcome);
        } else {
            done = add(done, l);
        }
    }

    static void requireListener(Object listener) {
        if (listener == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "listener must not be null");
        }
    }

    static <T> List<T> add(List<T> list, T listener) {
        requireListener(listener);
        List<T> l = list == null ? new ArrayList<>(2) : list;
        l.add(listener);
        return l;
    }

    void fireFinish() {
        invokeAll(finish);
    }

    void fireClose() {
        invokeAll(close);
    }

    void fireDrain() {
        invokeAll(drain);
    }

    void fireError(HttpException e) {
        if (error != null) {
            for (Consumer<? super HttpException> l : error) {
                invoke(l, e);
            }
        }
    }

    /** Fires {@code onDone} once; returns false if the outcome was already known. */
    boolean fireDone(Outcome why) {
        if (outcome != null) {
            return false;
        }
        outcome = why;
        if (done != null) {
            for (Consumer<? super Outcome> l : done) {
                invoke(l, why);
            }
            done = null;
        }
        finish = null;
        close = null;
        drain = null;
        return true;
    }

    /** The outcome, once known; null before. */
    public final Outcome outcome() {
        return outcome;
    }

    public void invoke(Runnable listener) {
        try {
            listener.run();
        } catch (Throwable t) {
            failed(t);
        }
    }

    public <T> void invoke(Consumer<T> listener, T value) {
        try {
            listener.accept(value);
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void invokeAll(List<Runnable> listeners) {
        if (listeners != null) {
            for (Runnable l : listeners) {
                invoke(l);
            }
        }
    }

    private void failed(Throwable t) {
        try {
            listenerFailed(t);
        } catch (Throwable again) {
            LOG.warn("A listener threw", t);
        }
    }
}
