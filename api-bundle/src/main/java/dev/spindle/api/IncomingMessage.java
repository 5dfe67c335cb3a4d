package dev.spindle.api;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One request as Node's {@code http.IncomingMessage} shows it: the head at once, the body as a
 * stream of chunks.
 *
 * <p>The body flows once a data listener is registered (or {@link #body()} is called) and is held
 * back until then, as a Node stream in paused mode; holding it back stops reading from the
 * connection, so an unread body costs no memory. A body nobody reads by the time the response
 * ends is discarded, and the connection stays usable. Listeners run on the connection's event
 * loop.
 */
@ProviderType
public interface IncomingMessage {

    /** The request method as sent, for example {@code GET}. */
    String method();

    /** The request-target as sent: path and query, still percent-encoded. */
    String url();

    /**
     * The path part of {@link #url()}: everything before {@code ?}, still percent-encoded. Of a
     * request-target in absolute form ({@code http://host/p?q}, as clients send to a proxy) the
     * part after the authority ({@code /p}; {@code /} without one): routes match it.
     */
    String path();

    /**
     * The rest of the path after the prefix route that matched, percent-decoded as UTF-8 by
     * {@link #percentDecode(String)}: for a handler on {@code /greet/*}, {@code Zoë} for
     * {@code /greet/Zo%C3%AB}, {@code a/b} for {@code /greet/a/b}, and the empty string for
     * {@code /greet} and {@code /greet/}; for {@code /*}, the whole path without its leading
     * {@code /}. The empty string for an exact route. The query is not part of it.
     *
     * <p>{@code %2F} decodes to {@code /} like any other escape, so the decoded rest cannot tell an
     * encoded slash from a separator; a handler that must, splits {@link #path()} first and
     * decodes each segment with {@link #percentDecode(String)}.
     *
     * @since 1.2
     */
    String remainingPath();

    /** {@code "1.1"} or {@code "1.0"}; {@code "2.0"} over HTTP/2. */
    String httpVersion();

    /**
     * The headers with lower-cased names in first-seen order, duplicates joined by Node's rules:
     * for {@code host}, {@code content-type}, {@code content-length}, {@code user-agent},
     * {@code authorization}, {@code referer} and the rest of Node's list the first value wins;
     * {@code cookie} values are joined with {@code "; "}; every other header's with {@code ", "}
     * ({@code set-cookie} too: see {@link #headersDistinct()} for its separate values).
     */
    Map<String, String> headers();

    /** One header by name (case-insensitive), as {@link #headers()} has it, or {@code null}. */
    String header(String name);

    /** Every header's values kept apart, lower-cased names in first-seen order. */
    Map<String, List<String>> headersDistinct();

    /**
     * Names and values alternating, exactly as received (name case kept, values trimmed). Over
     * HTTP/2, as Node's {@code Http2ServerRequest}: the pseudo-headers ({@code :method},
     * {@code :path}, {@code :scheme}, {@code :authority}) come first, and are in {@link #headers()}
     * too; {@link #method()} and {@link #url()} are {@code :method} and {@code :path}.
     */
    List<String> rawHeaders();

    /** The trailers of a chunked body, as {@link #headers()}; empty until {@link #complete()}. */
    Map<String, String> trailers();

    /** The trailers, names and values alternating as received; empty until {@link #complete()}. */
    List<String> rawTrailers();

    /** Whether the whole body has been received. */
    boolean complete();

    /** The client's address. */
    InetSocketAddress remoteAddress();

    /** The address the request arrived on. */
    InetSocketAddress localAddress();

    /**
     * Registers the body listener and starts the flow. Each chunk is a fresh array the listener
     * may keep.
     *
     * @return this message
     */
    IncomingMessage onData(Consumer<byte[]> listener);

    /** Runs once the whole body (and any trailers) arrived; after the last {@code onData}. */
    IncomingMessage onEnd(Runnable listener);

    /** Runs if the connection ends before the body is complete (Node's {@code 'aborted'}). */
    IncomingMessage onAborted(Runnable listener);

    /**
     * Stops delivering chunks and stops reading from the connection (backpressure); over HTTP/2
     * the stream's flow-control window stops reopening, the connection and its other streams go on.
     */
    IncomingMessage pause();

    /** Resumes delivery after {@link #pause()}. */
    IncomingMessage resume();

    /** Whether delivery is paused. */
    boolean isPaused();

    /**
     * Collects the whole body. Completes with the bytes once the body is complete, or
     * exceptionally with {@link HttpException} {@code ERR_SPINDLE_BODY_TOO_LARGE} when it grows
     * beyond the host's configured maximum, or when the client aborts. Do not combine with
     * {@link #onData}.
     */
    CompletionStage<byte[]> body();

    /**
     * Decodes percent-escapes as UTF-8, by the URL Standard's percent-decode
     * (WHATWG, "percent-decode" followed by "UTF-8 decode without BOM"):
     * <ul>
     * <li>{@code %XX} (two hex digits, either case) is the byte {@code XX}; the bytes together are
     * read as UTF-8: {@code Zo%C3%AB} is {@code Zoë};</li>
     * <li>{@code +} stays {@code +}: it means a space only in form data
     * ({@code application/x-www-form-urlencoded}), never in a path;</li>
     * <li>a malformed escape, a {@code %} not followed by two hex digits ({@code %zz},
     * a final {@code %4}), is kept as it is, never refused: {@code 100%zz} stays
     * {@code 100%zz};</li>
     * <li>bytes that are not valid UTF-8 ({@code %FF}, a lone {@code %C3}) each become
     * U+FFFD, the replacement character.</li>
     * </ul>
     * So it never throws, and decoding what has no {@code %} returns it unchanged.
     *
     * @param s a path, a path segment or a query value, as received
     * @return the decoded text
     * @since 1.2
     */
    static String percentDecode(String s) {
        int first = s.indexOf('%');
        if (first < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            int hi = i + 2 < raw.length && raw[i] == '%' ? Character.digit(raw[i + 1], 16) : -1;
            int lo = hi < 0 ? -1 : Character.digit(raw[i + 2], 16);
            if (lo < 0) {
                bytes.write(raw[i]);
            } else {
                bytes.write(hi << 4 | lo);
                i += 2;
            }
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }
}
