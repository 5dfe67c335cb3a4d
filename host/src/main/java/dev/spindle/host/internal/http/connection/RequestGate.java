package dev.spindle.host.internal.http.connection;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;

/**
 * Data path: between the request decoder and the connection, the one gate every request head
 * passes before it becomes an exchange. It turns the decoder's failures into their statuses
 * (400, 414, 431), refuses methods the server does not take (501, see {@link Methods}), and
 * applies the rules beyond Netty's decoder: as strict as llhttp, stricter where it is lax (a
 * second {@code Host}), and the configured limits (header count 431, a declared body over
 * {@code maxRequestBodyBytes} 413). One pass over the header lines also picks up the
 * {@code Expect} value the connection needs next. One per connection, reused for each request.
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
    int check(HttpRequest head, EngineSettings settings) {
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
        rules(head, settings);
        return refusal == null ? 0 : Integer.parseInt(refusal.substring(0, 3));
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

    private void rules(HttpRequest head, EngineSettings settings) {
        HttpVersion version = head.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            refusal = "400: unsupported version " + version;
            return;
        }
        HttpHeaders headers = head.headers();
        if (headers.size() > settings.maxHeaders()) {
            refusal = "431: more than " + settings.maxHeaders() + " header lines";
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
                    if (expect == null && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT)) {
                        expect = line.getValue().toString();
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
                && Long.parseLong(contentLength.toString().trim()) > settings.maxRequestBodyBytes()) {
            refusal = "413: Content-Length " + contentLength + " over " + settings.maxRequestBodyBytes();
        }
    }
}
