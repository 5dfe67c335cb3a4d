package dev.spindle.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.spindle.api.ServerResponse;

/**
 * Event records of the scenarios whose outcome happens inside the server: the handler's listeners
 * add lines and mark the record done; {@code /conformance/<name>/report} answers them.
 */
final class Records {

    /** The lines one scenario's listeners logged. */
    static final class Record {
        private final List<String> lines = new ArrayList<>();
        private volatile boolean done;

        synchronized void add(String line) {
            lines.add(line);
        }

        void done() {
            done = true;
        }

        synchronized String text() {
            return String.join("\n", lines) + (done ? "" : "\nTIMEOUT waiting for events");
        }
    }

    private static final long WAIT_MILLIS = 2000;
    private final Map<String, Record> records = new ConcurrentHashMap<>();

    Record start(String name) {
        Record r = new Record();
        records.put(name, r);
        return r;
    }

    /** Waits (at most 2 s, polling) until the record is done, answers it, forgets it. */
    void serve(String name, ServerResponse res, ScheduledExecutorService timers) {
        long started = System.nanoTime();
        Runnable poll = new Runnable() {
            @Override
            public void run() {
                Record r = records.get(name);
                boolean waited = System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                if ((r == null || !r.done) && !waited) {
                    timers.schedule(this, 10, TimeUnit.MILLISECONDS);
                    return;
                }
                records.remove(name);
                res.setHeader("Content-Type", "text/plain");
                res.end((r == null ? "no record" : r.text()) + "\n");
            }
        };
        poll.run();
    }
}
