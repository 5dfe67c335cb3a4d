package dev.spindle.api;

import java.util.Objects;

/**
 * Misuse of the API, with the error code Node.js uses for the same mistake
 * ({@code ERR_HTTP_HEADERS_SENT}, {@code ERR_INVALID_CHAR}, ...), so the rules a Node developer
 * knows carry over unchanged. Unchecked, like Node's errors.
 */
public class HttpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Headers were already sent: a setter or {@code writeHead} came too late. */
    public static final String ERR_HTTP_HEADERS_SENT = "ERR_HTTP_HEADERS_SENT";
    /** A write after {@code end()}; reported asynchronously, never thrown. */
    public static final String ERR_STREAM_WRITE_AFTER_END = "ERR_STREAM_WRITE_AFTER_END";
    /** A write to a response whose connection is already gone; reported asynchronously. */
    public static final String ERR_STREAM_DESTROYED = "ERR_STREAM_DESTROYED";
    /** A header value, trailer value or status message with a forbidden character (CR, LF, NUL...). */
    public static final String ERR_INVALID_CHAR = "ERR_INVALID_CHAR";
    /** A header or trailer name that is not an HTTP token. */
    public static final String ERR_INVALID_HTTP_TOKEN = "ERR_INVALID_HTTP_TOKEN";
    /** A header value that is missing ({@code null}). */
    public static final String ERR_HTTP_INVALID_HEADER_VALUE = "ERR_HTTP_INVALID_HEADER_VALUE";
    /** A status code outside 100..999. */
    public static final String ERR_HTTP_INVALID_STATUS_CODE = "ERR_HTTP_INVALID_STATUS_CODE";
    /** A {@code Trailer} header on a response that cannot be chunked (HTTP/1.0, fixed length). */
    public static final String ERR_HTTP_TRAILER_INVALID = "ERR_HTTP_TRAILER_INVALID";
    /** More or fewer body bytes than the declared {@code Content-Length}. */
    public static final String ERR_HTTP_CONTENT_LENGTH_MISMATCH = "ERR_HTTP_CONTENT_LENGTH_MISMATCH";
    /** A {@code null} chunk passed to {@code write} or {@code end}. */
    public static final String ERR_STREAM_NULL_VALUES = "ERR_STREAM_NULL_VALUES";
    /** An encoding name Node does not know. */
    public static final String ERR_UNKNOWN_ENCODING = "ERR_UNKNOWN_ENCODING";
    /** An argument of the wrong kind or out of range. */
    public static final String ERR_INVALID_ARG_VALUE = "ERR_INVALID_ARG_VALUE";
    /** A request body larger than the host's configured maximum. */
    public static final String ERR_BODY_TOO_LARGE = "ERR_SPINDLE_BODY_TOO_LARGE";
    /**
     * Over HTTP/2, a response head carrying a connection-specific header ({@code Keep-Alive},
     * {@code Proxy-Connection}, {@code Transfer-Encoding}, {@code Upgrade}, or {@code TE} other than
     * {@code trailers}): thrown when the head is fixed, as Node's {@code http2} does.
     *
     * @since 1.1
     */
    public static final String ERR_HTTP2_INVALID_CONNECTION_HEADERS = "ERR_HTTP2_INVALID_CONNECTION_HEADERS";

    private final String code;

    /**
     * @param code    one of the {@code ERR_*} codes of this class
     * @param message what went wrong, for the log
     */
    public HttpException(String code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** Node's error code, for example {@code ERR_HTTP_HEADERS_SENT}. */
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " [" + code + "]: " + getMessage();
    }
}
