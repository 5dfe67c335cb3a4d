package dev.spindle.host.internal.http.exchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Data path: how a {@link Request} shows the fields it received, as Node's
 * {@code IncomingMessage} does ({@code headers}, {@code headersDistinct}, {@code rawHeaders}, and
 * the same for trailers), and the buffer {@code body()} collects into.
 */
final class RequestHeaders {

    /** Node's {@code matchKnownFields}: headers whose duplicates are dropped, the first value wins. */
    private static final Set<String> FIRST_WINS = Set.of("age", "authorization", "content-length", "content-type",
            "etag", "expires", "from", "host", "if-modified-since", "if-unmodified-since", "last-modified",
            "location", "max-forwards", "proxy-authorization", "referer", "retry-after", "server", "user-agent");
    private RequestHeaders() {
    }

    /** Node's joining of duplicate fields: first wins for its list, {@code "; "} for cookie, {@code ", "} otherwise. */
    static Map<String, String> join(HttpHeaders fields) {
        if (fields.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            String key = e.getKey().toString().toLowerCase(Locale.ROOT);
            String value = e.getValue().toString();
            String before = out.get(key);
            if (before == null) {
                out.put(key, value);
            } else if (!FIRST_WINS.contains(key)) {
                out.put(key, before + (key.equals("cookie") ? "; " : ", ") + value);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    static Map<String, List<String>> distinct(HttpHeaders fields) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            out.computeIfAbsent(e.getKey().toString().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(e.getValue().toString());
        }
        out.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(out);
    }

    static List<String> raw(HttpHeaders fields) {
        List<String> out = new ArrayList<>(fields.size() * 2);
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) fields::iteratorCharSequence) {
            out.add(e.getKey().toString());
            out.add(e.getValue().toString());
        }
        return Collections.unmodifiableList(out);
    }

    /** A growable byte array; enough for bounded bodies. */
    static final class Collector {
        private byte[] bytes = new byte[256];
        private int size;

        int size() {
            return size;
        }

        void add(byte[] chunk) {
            if (size + chunk.length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + chunk.length));
            }
            System.arraycopy(chunk, 0, bytes, size, chunk.length);
            size += chunk.length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
