package dev.spindle.host.internal.http.h2;

import java.util.Map;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Data path: between a stream's HEADERS frames and the exchange, which speaks in the HTTP/1.1
 * message types Node's semantics are written over. A request's fields become its head as Node's
 * {@code Http2ServerRequest} shows them (pseudo-headers kept, {@code :method} and {@code :path}
 * as method and url, version {@code 2.0}); trailing fields go both ways, lower-cased on the way
 * out. Netty's codec has validated the fields already.
 */
final class H2Fields {

    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");
    private static final HttpHeadersFactory FIELDS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    private H2Fields() {
    }

    /** The head of the request whose HEADERS frame carried {@code fields}. */
    static DefaultHttpRequest request(Http2Headers fields) {
        HttpHeaders headers = FIELDS.newHeaders();
        for (Map.Entry<CharSequence, CharSequence> e : fields) {
            headers.add(e.getKey(), e.getValue());
        }
        CharSequence method = fields.method();
        CharSequence path = fields.path();
        return new DefaultHttpRequest(HTTP_2, HttpMethod.valueOf(method.toString()), path == null ? "" : path.toString(),
                headers);
    }

    /**
     * Why the request whose HEADERS carried {@code fields} is malformed (RFC 9113, 8.3.1 and 8.5),
     * or null if it is not: what Netty's codec leaves to the application and Node's nghttp2 resets.
     * A request has {@code :method}; CONNECT has {@code :authority} and neither {@code :scheme} nor
     * {@code :path}; any other has {@code :scheme}, an authority ({@code :authority} or
     * {@code host}) and a {@code :path} in the origin form ({@code *} only for OPTIONS) without a
     * byte below 0x21 or DEL (a space would split it, a control byte never belongs; bytes above
     * 0x7f pass, as in nghttp2).
     */
    static String malformed(Http2Headers fields) {
        CharSequence method = fields.method();
        if (method == null) {
            return "no :method";
        }
        if (AsciiString.contentEquals(method, "CONNECT")) {
            return fields.authority() == null ? "CONNECT without :authority"
                    : fields.path() != null || fields.scheme() != null ? "CONNECT with :path or :scheme" : null;
        }
        if (fields.scheme() == null) {
            return "no :scheme";
        }
        if (fields.authority() == null && !fields.contains(HttpHeaderNames.HOST)) {
            return "neither :authority nor host";
        }
        CharSequence path = fields.path();
        if (path == null) {
            return "no :path";
        }
        if (path.length() == 0 || path.charAt(0) != '/') {
            return path.length() == 1 && path.charAt(0) == '*' && AsciiString.contentEquals(method, "OPTIONS") ? null
                    : ":path not in the origin form";
        }
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return "a space or control byte in :path";
            }
        }
        return null;
    }

    /** A request's trailing fields. */
    static HttpHeaders trailersIn(Http2Headers fields) {
        HttpHeaders out = TRAILERS.newHeaders();
        for (Map.Entry<CharSequence, CharSequence> e : fields) {
            out.add(e.getKey(), e.getValue());
        }
        return out;
    }

    /** A response's trailers as a trailing HEADERS frame's fields: names lower-cased. */
    static Http2Headers trailersOut(HttpHeaders trailers) {
        Http2Headers out = new DefaultHttp2Headers(false, trailers.size());
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) trailers::iteratorCharSequence) {
            out.add(AsciiString.of(e.getKey()).toLowerCase(), e.getValue());
        }
        return out;
    }
}
