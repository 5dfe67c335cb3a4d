package dev.spindle.host.internal.http.connection;

import java.util.List;
import java.util.Locale;

import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.exchange.UpgradeRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Data path: between the request decoder and the connection, the one gate every request head
 * passes before it becomes an exchange. It turns the decoder's failures into their statuses
 * (400, 414, 431), refuses methods the server does not take (501, see {@link Methods}), and
 * applies the rules beyond Netty's decoder: as strict as llhttp, stricter where it is lax (a
 * second {@code Host}), and the configured limits (header count 431, a declared body over
 * {@code maxRequestBodyBytes} 413). The decoder tells which of the names these rules need the head
 * has, so that the headers are looked up only for those; the {@code Expect} value the connection
 * needs next is picked up on the way. One per connection, reused for each request.
 */
final class RequestGate {

    /** Why the last request checked was refused, or null. */
    String refusal;
    /** The first {@code Expect} value of the last request checked, or null. */
    String expect;

    /**
     * Checks {@code head}: returns 0 to let it in, else the status that refuses it (the reason is
     * in {@link #refusal}).
     */
    int check(HttpRequest head, RequestDecoder names, EngineSettings settings) {
        refusal = null;
        expect = null;
        if (head.decoderResult().isFailure()) {
            Throwable cause = head.decoderResult().cause();
            refusal = String.valueOf(cause);
            return status(cause);
        }
        if (!Methods.served(head.method(), settings.extraMethods())) {
            refusal = "method " + head.method().name() + " is not served (extraMethods lists more)";
            return 501;
        }
        rules(head, names, settings);
        return refusal == null ? 0 : Integer.parseInt(refusal.substring(0, 3));
    }

    /**
     * Whether {@code target} has one of the forms Node's llhttp takes (RFC 9112, 3.2): the origin
     * form ({@code /path?query}), the asterisk form ({@code *}), or the absolute form, a scheme of
     * letters followed by {@code ://}. Anything else ({@code hello}, {@code ?a}, {@code x:y}) is
     * answered 400, as Node answers it. (CONNECT's authority form is the caller's to allow.)
     */
    static boolean hasForm(String target) {
        if (target.isEmpty()) {
            return false;
        }
        char c = target.charAt(0);
        return c == '/' || c == '*' || UpgradeRequest.authorityStart(target) > 0;
    }

    /** The status for a decoder failure: 414 for a long request line, 431 for long headers, else 400. */
    static int status(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return 414;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return 431;
        }
        return 400;
    }

    private void rules(HttpRequest head, RequestDecoder names, EngineSettings settings) {
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            refusal = "400: unsupported version " + version;
            return;
        }
        if (!hasForm(head.uri()) && !HttpMethod.CONNECT.equals(head.method())) {
            refusal = "400: a request-target in none of its forms: " + head.uri();
            return;
        }
        HttpHeaders headers = head.headers();
        if (headers.size() > settings.maxHeaders()) {
            refusal = "431: more than " + settings.maxHeaders() + " header lines";
            return;
        }
        // the decoder noted which of the names that matter here the head has: most have only Host
        int hosts = names.hosts();
        if (names.had(RequestDecoder.EXPECT)) {
            expect = headers.get(HttpHeaderNames.EXPECT);
        }
        List<String> transferEncodings = names.had(RequestDecoder.TRANSFER_ENCODING)
                ? headers.getAll(HttpHeaderNames.TRANSFER_ENCODING) : null;
        String contentLength = names.had(RequestDecoder.CONTENT_LENGTH) ? headers.get(HttpHeaderNames.CONTENT_LENGTH) : null;
        if (hosts == 0 && version.equals(HttpVersion.HTTP_1_1)) {
            refusal = "400: HTTP/1.1 without Host";
        } else if (hosts > 1) {
            refusal = "400: more than one Host header";
        } else if (transferEncodings != null) {
            String all = String.join(",", transferEncodings).toLowerCase(Locale.ROOT);
            String[] codings = all.split(",");
            if (!codings[codings.length - 1].trim().equals("chunked")) {
                refusal = "400: Transfer-Encoding must end with chunked: " + all;
            }
        } else if (settings.maxRequestBodyBytes() > 0 && contentLength != null
                && Long.parseLong(contentLength.trim()) > settings.maxRequestBodyBytes()) {
            refusal = "413: Content-Length " + contentLength + " over " + settings.maxRequestBodyBytes();
        }
    }
}
