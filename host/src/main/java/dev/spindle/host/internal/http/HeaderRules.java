package dev.spindle.host.internal.http;

import dev.spindle.api.HttpException;

/**
 * Node's checks for outgoing header names and values ({@code checkIsHttpToken},
 * {@code checkInvalidHeaderChar}), with Node's error codes.
 */
final class HeaderRules {

    private static final boolean[] TOKEN = new boolean[128];

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

    /** Whether {@code s} is a non-empty HTTP token (RFC 9110 {@code tchar}s only). */
    static boolean isToken(CharSequence s) {
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
    static boolean hasInvalidChar(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return true;
            }
        }
        return false;
    }

    static void checkName(String kind, String name) {
        if (name == null || !isToken(name)) {
            throw new HttpException(HttpException.ERR_INVALID_HTTP_TOKEN,
                    kind + " name must be a valid HTTP token [\"" + name + "\"]");
        }
    }

    static void checkValue(String kind, String name, String value) {
        if (value == null) {
            throw new HttpException(HttpException.ERR_HTTP_INVALID_HEADER_VALUE,
                    "Invalid value \"undefined\" for header \"" + name + "\"");
        }
        if (hasInvalidChar(value)) {
            throw new HttpException(HttpException.ERR_INVALID_CHAR,
                    "Invalid character in " + kind + " content [\"" + name + "\"]");
        }
    }
}
