package dev.spindle.host.internal.http;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.netty.util.AsciiString;

/**
 * The {@code Date} header value (IMF-fixdate), formatted at most once per second and shared by
 * every connection. Lock-free: a racing refresh formats the same second twice, harmlessly.
 */
final class DateCache {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static final class Entry {
        final long second;
        final AsciiString value;

        Entry(long second, AsciiString value) {
            this.second = second;
            this.value = value;
        }
    }

    private static volatile Entry current = new Entry(-1, AsciiString.EMPTY_STRING);

    private DateCache() {
    }

    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Entry e = current;
        if (e.second != second) {
            e = new Entry(second, new AsciiString(format(second)));
            current = e;
        }
        return e.value;
    }

    static String format(long epochSecond) {
        return IMF_FIXDATE.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }
}
