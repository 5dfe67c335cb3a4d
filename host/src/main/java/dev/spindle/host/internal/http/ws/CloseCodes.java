package dev.spindle.host.internal.http.ws;

import java.nio.charset.StandardCharsets;

/**
 * Beside the data path: the close codes and reasons a handler may send (RFC 6455 7.4), checked
 * on the caller's thread so that a bad one throws where it was made.
 */
final class CloseCodes {

    private CloseCodes() {
    }

    /** @throws IllegalArgumentException for a code that may not be sent or a reason over 123 bytes */
    static void check(int code, String reason) {
        if (!(code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent (1000-1003, 1007-1014, 3000-4999)");
        }
        if (reason == null || reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("a close reason is a string of at most 123 bytes of UTF-8");
        }
    }
}
