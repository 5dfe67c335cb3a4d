package dev.spindle.host.internal.http.exchange;

import java.util.Map;

import dev.spindle.api.HttpException;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Node's checks for outgoing header names and values ({@code checkIsHttpToken},
 * {@code checkInvalidHeaderChar}), with Node's error codes.
 */
public final class HeaderRules {

    private static final boolean[] TOKEN = new boolean[128];
    private static final HttpHeadersFactory TRAILERS = DefaultHttpHeadersFactory.trailersFactory().withValidation(false);

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private HeaderRules() {
    }

    /** Whether byte {@code c} (0 to 255) is an HTTP {@code tchar}. */
    public static boolean isTokenChar(int c) {
        return c < 128 && TOKEN[c];
    }

    /** Whether {@code s} is a non-empty HTTP token (RFC 9110 {@code tchar}s only). */
    public static boolean isToken(CharSequence s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} holds a character Node refuses in a header value: anything but HTAB, 0x20-0x7E, 0x80-0xFF. */
    public static boolean hasInvalidChar(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return true;
            }
        }
        return false;
    }

    public static void checkName(String kind, String name) {
        if (name == null || !isToken(name)) {
            throw new HttpException(HttpException.ERR_INVALID_HTTP_TOKEN,
                    kind + " name must be a valid HTTP token [\"" + name + "\"]");
        }
    }

    public static void checkValue(String kind, String name, String value) {
        if (value == null) {
            throw new HttpException(HttpException.ERR_HTTP_INVALID_HEADER_VALUE,
                    "Invalid value \"undefined\" for header \"" + name + "\"");
        }
        if (hasInvalidChar(value)) {
            throw new HttpException(HttpException.ERR_INVALID_CHAR,
                    "Invalid character in " + kind + " content [\"" + name + "\"]");
        }
    }

    /** Node's checks of {@code addTrailers}: the trailers as headers, or the first bad one thrown. */
    static HttpHeaders trailers(Map<String, String> values) {
        HttpHeaders t = TRAILERS.newHeaders();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = e.getKey();
            if (name == null || !isToken(name)) {
                throw new HttpException(HttpException.ERR_INVALID_HTTP_TOKEN,
                        "Trailer name must be a valid HTTP token [\"" + name + "\"]");
            }
            String value = e.getValue() == null ? "undefined" : e.getValue();
            if (hasInvalidChar(value)) {
                throw new HttpException(HttpException.ERR_INVALID_CHAR,
                        "Invalid character in trailer content [\"" + name + "\"]");
            }
            t.add(name, value);
        }
        return t;
    }
}
