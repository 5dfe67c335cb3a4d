package dev.spindle.host.internal.http;

import java.util.ArrayList;
import java.util.List;

/**
 * For test route tables that replace a route while requests wait for it: the callbacks of
 * {@code HandlerResolver.onNextChange}, each run once by the next {@link #changed}.
 */
public final class RouteChanges {

    private final List<Runnable> waiting = new ArrayList<>();

    public synchronized void onNextChange(Runnable callback) {
        waiting.add(callback);
    }

    /** Whether a request (or upgrade) waits for the next change. */
    public synchronized boolean waited() {
        return !waiting.isEmpty();
    }

    /** A change happened: wakes every waiter (outside the lock, as the host's routing table does). */
    public void changed() {
        List<Runnable> wake;
        synchronized (this) {
            wake = new ArrayList<>(waiting);
            waiting.clear();
        }
        wake.forEach(Runnable::run);
    }
}
