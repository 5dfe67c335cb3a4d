package dev.spindle.host.internal.http;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The checks a decoded request head must pass before it becomes an exchange, beyond what Netty's
 * decoder enforces: as strict as llhttp, stricter where it is lax (a second {@code Host}). One
 * pass over the header lines also picks up the {@code Expect} value the connection needs next.
 */
final class RequestRules {

    /** What one pass over a request head found; one per connection, reused for each request. */
    static final class Scan {
        /** Why the request is refused (starting with the status to answer), or null if it is fine. */
        String refusal;
        /** The first {@code Expect} value, or null. */
        String expect;
    }

    private RequestRules() {
    }

    /** Fills {@code into} for {@code head}. */
    static void check(HttpRequest head, EngineSettings settings, Scan into) {
        into.refusal = null;
        into.expect = null;
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            into.refusal = "400: unsupported version " + version;
            return;
        }
        HttpHeaders headers = head.headers();
        if (headers.size() > settings.maxHeaders()) {
            into.refusal = "431: more than " + settings.maxHeaders() + " header lines";
            return;
        }
        int hosts = 0;
        boolean chunkedLast = true;
        List<CharSequence> transferEncodings = null;
        CharSequence contentLength = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> line = it.next();
            CharSequence name = line.getKey();
            switch (name.length()) {
                case 4:
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                        hosts++;
                    }
                    break;
                case 6:
                    if (into.expect == null && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT)) {
                        into.expect = line.getValue().toString();
                    }
                    break;
                case 14:
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)) {
                        contentLength = line.getValue();
                    }
                    break;
                case 17:
                    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                        if (transferEncodings == null) {
                            transferEncodings = new ArrayList<>(2);
                        }
                        transferEncodings.add(line.getValue());
                    }
                    break;
                default:
                    break;
            }
        }
        if (hosts == 0 && version.equals(HttpVersion.HTTP_1_1)) {
            into.refusal = "400: HTTP/1.1 without Host";
        } else if (hosts > 1) {
            into.refusal = "400: more than one Host header";
        } else if (transferEncodings != null) {
            String all = String.join(",", transferEncodings).toLowerCase(Locale.ROOT);
            String[] codings = all.split(",");
            if (!codings[codings.length - 1].trim().equals("chunked")) {
                into.refusal = "400: Transfer-Encoding must end with chunked: " + all;
            }
        } else if (settings.maxRequestBodyBytes() > 0 && contentLength != null
                && Long.parseLong(contentLength.toString().trim()) > settings.maxRequestBodyBytes()) {
            into.refusal = "413: Content-Length " + contentLength + " over " + settings.maxRequestBodyBytes();
        }
    }
}
