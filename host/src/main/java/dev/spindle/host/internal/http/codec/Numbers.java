package dev.spindle.host.internal.http.codec;

import io.netty.util.AsciiString;

/** Decimal numbers as header values, small ones shared: Content-Length of typical bodies costs nothing. */
final class Numbers {

    private static final AsciiString[] SMALL = new AsciiString[4096];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private Numbers() {
    }

    static CharSequence ascii(long n) {
        return n >= 0 && n < SMALL.length ? SMALL[(int) n] : Long.toString(n);
    }
}
