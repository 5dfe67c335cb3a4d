package dev.spindle.host.internal.http;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The checks a decoded request head must pass before it becomes an exchange, beyond what Netty's
 * decoder enforces: as strict as llhttp, stricter where it is lax (a second {@code Host}).
 */
final class RequestRules {

    private RequestRules() {
    }

    /** Why {@code head} is refused (starting with the status to answer), or null if it is fine. */
    static String check(HttpRequest head, EngineSettings settings) {
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return "400: unsupported version " + version;
        }
        HttpHeaders headers = head.headers();
        if (headers.size() > settings.maxHeaders()) {
            return "431: more than " + settings.maxHeaders() + " header lines";
        }
        Iterator<String> hosts = headers.valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            if (head.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return "400: HTTP/1.1 without Host";
            }
        } else {
            hosts.next();
            if (hosts.hasNext()) {
                return "400: more than one Host header";
            }
        }
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            String all = String.join(",", te).toLowerCase(Locale.ROOT);
            String[] codings = all.split(",");
            if (!codings[codings.length - 1].trim().equals("chunked")) {
                return "400: Transfer-Encoding must end with chunked: " + all;
            }
        }
        long max = settings.maxRequestBodyBytes();
        if (max > 0) {
            String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null && Long.parseLong(length.trim()) > max) {
                return "413: Content-Length " + length + " over " + max;
            }
        }
        return null;
    }
}
