package dev.spindle.host.internal.http.codec;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.util.AsciiString;

/**
 * The {@code Date} header value (IMF-fixdate), formatted once per second and shared by every
 * connection. While an engine runs, a timer on one of its event loops refreshes it at each second
 * boundary, as Node's {@code utcDate()} cache does, so a response reads no clock; without a running
 * engine (tests that drive a pipeline directly) each call checks the clock instead.
 */
public final class DateCache {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static final class Entry {
        final long second;
        final AsciiString value;

        Entry(long second) {
            this.second = second;
            this.value = new AsciiString(format(second));
        }
    }

    private static volatile Entry current = new Entry(System.currentTimeMillis() / 1000);
    /** Running tickers: while there is one, {@link #current} is kept fresh by it. */
    private static final AtomicInteger TICKERS = new AtomicInteger();

    private DateCache() {
    }

    public static AsciiString now() {
        Entry e = current;
        if (TICKERS.get() > 0) {
            return e.value;
        }
        return refresh(System.currentTimeMillis()).value;
    }

    private static Entry refresh(long millis) {
        long second = millis / 1000;
        Entry e = current;
        if (e.second != second) {
            // lock-free: a racing refresh formats the same second twice, harmlessly
            e = new Entry(second);
            current = e;
        }
        return e;
    }

    /** Keeps the value fresh on {@code timer} until the returned handle is closed. */
    public static Ticker tick(ScheduledExecutorService timer) {
        Ticker t = new Ticker(timer);
        TICKERS.incrementAndGet();
        t.run();
        return t;
    }

    /** Keeps {@link DateCache} fresh while open. */
    public static final class Ticker implements Runnable, AutoCloseable {
        private final ScheduledExecutorService timer;
        private volatile ScheduledFuture<?> next;
        private volatile boolean closed;

        Ticker(ScheduledExecutorService timer) {
            this.timer = timer;
        }

        @Override
        public void run() {
            if (closed) {
                return;
            }
            long millis = System.currentTimeMillis();
            refresh(millis);
            // a millisecond past the boundary, so the clock has surely moved on when it fires
            next = timer.schedule(this, 1001 - millis % 1000, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                TICKERS.decrementAndGet();
                ScheduledFuture<?> f = next;
                if (f != null) {
                    f.cancel(false);
                }
            }
        }
    }

    static String format(long epochSecond) {
        return IMF_FIXDATE.format(ZonedDateTime.ofInstant(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }
}
