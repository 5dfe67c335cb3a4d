package dev.spindle.host.internal.http.codec;

import java.util.Arrays;
import java.util.Locale;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;

/**
 * The request header names clients send on nearly every request, each in the two spellings seen
 * on the wire (as written in the RFCs, and lower case), made once: the decoder hands out these
 * instances instead of a new name per header line, so that a name is neither copied nor hashed
 * nor checked again per request. Any other spelling is decoded and validated as before; the case
 * a client used is kept either way ({@code rawHeaders} shows it).
 */
public final class HeaderNames {

    private static final String[] COMMON = {
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Content-Type",
        "Content-Length", "Cookie", "Authorization", "Cache-Control", "Referer", "Origin", "Transfer-Encoding",
        "Expect", "If-None-Match", "If-Modified-Since", "Upgrade-Insecure-Requests", "Pragma", "Range",
        "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest", "X-Forwarded-For", "X-Requested-With",
    };

    /** Known names by length, then in the order of {@link #COMMON}, both spellings. */
    private static final AsciiString[][] BY_LENGTH;

    static {
        int longest = 0;
        for (String name : COMMON) {
            longest = Math.max(longest, name.length());
        }
        BY_LENGTH = new AsciiString[longest + 1][0];
        for (String name : COMMON) {
            add(AsciiString.cached(name));
            add(AsciiString.cached(name.toLowerCase(Locale.ROOT)));
        }
    }

    private static void add(AsciiString name) {
        AsciiString[] same = BY_LENGTH[name.length()];
        same = Arrays.copyOf(same, same.length + 1);
        same[same.length - 1] = name;
        BY_LENGTH[name.length()] = same;
    }

    private HeaderNames() {
    }

    /** The shared instance spelled exactly as {@code bytes[start, start + length)}, or null. */
    static AsciiString find(byte[] bytes, int start, int length) {
        if (length >= BY_LENGTH.length) {
            return null;
        }
        for (AsciiString known : BY_LENGTH[length]) {
            byte[] k = known.array(); // cached instances start at offset 0
            int i = 0;
            while (i < length && k[i] == bytes[start + i]) {
                i++;
            }
            if (i == length) {
                return known;
            }
        }
        return null;
    }

    /** Whether {@code name} is one of the shared instances (valid tokens by construction). */
    static boolean isShared(CharSequence name) {
        int length = name.length();
        if (!(name instanceof AsciiString) || length >= BY_LENGTH.length) {
            return false;
        }
        for (AsciiString known : BY_LENGTH[length]) {
            if (known == name) {
                return true;
            }
        }
        return false;
    }

    /**
     * Netty's request headers with Netty's validation, except that the shared names, valid by
     * construction, are not checked again on every request.
     */
    public static HttpHeadersFactory requestHeaders() {
        return REQUEST_HEADERS;
    }

    /** One for every decoder: it holds no state of its own. */
    private static final HttpHeadersFactory REQUEST_HEADERS = makeRequestHeaders();

    private static HttpHeadersFactory makeRequestHeaders() {
        DefaultHttpHeadersFactory netty = DefaultHttpHeadersFactory.headersFactory();
        DefaultHeaders.NameValidator<CharSequence> check = netty.getNameValidator();
        return netty.withNameValidator(name -> {
            if (!isShared(name)) {
                check.validateName(name);
            }
        });
    }
}
