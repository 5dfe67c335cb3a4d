package dev.spindle.api;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The response to one request, with the semantics of Node's {@code http.ServerResponse}.
 *
 * <h2>State machine</h2>
 * <ol>
 * <li><b>Headers open.</b> {@link #statusCode(int)}, {@link #statusMessage(String)},
 * {@link #setHeader}, {@link #appendHeader}, {@link #removeHeader} shape the <em>implicit</em>
 * head. {@link #writeContinue()} may send an interim {@code 100 Continue}.</li>
 * <li><b>Head fixed</b> ({@link #headersSent()} is true). Entered by {@link #writeHead}, or
 * implicitly by the first {@link #write}, {@link #end} or {@link #flushHeaders()}. From here
 * {@code setHeader}, {@code appendHeader}, {@code removeHeader} and {@code writeHead} throw
 * {@link HttpException} {@code ERR_HTTP_HEADERS_SENT}; {@code statusCode(int)} still changes the
 * property but not what was sent. The framing is chosen here, as Node does:
 * {@code Content-Length} when {@code end(data)} alone decides the body on HTTP/1.1,
 * {@code Transfer-Encoding: chunked} otherwise on HTTP/1.1, and on HTTP/1.0 no framing header
 * (the body ends when the connection closes) unless the handler set {@code Content-Length}.
 * HEAD requests and 1xx, 204 and 304 statuses have no body: writes are silently dropped.</li>
 * <li><b>Ended</b> ({@link #writableEnded()}), by {@link #end}: terminal. A later {@code write}
 * returns {@code false} and reports {@code ERR_STREAM_WRITE_AFTER_END} to its callback and to
 * {@link #onError} listeners, asynchronously; it never throws. A later {@code end()} does
 * nothing.</li>
 * <li><b>Finished</b> ({@link #writableFinished()}): the last byte was handed to the network;
 * {@link #onFinish} listeners run, then {@link #onDone} with {@link Outcome#COMPLETED}.</li>
 * </ol>
 * If the connection goes away first, {@link #onClose} listeners run, then {@code onDone} with the
 * reason; writes after that are dropped and never throw.
 *
 * <p>A handler that returns without calling {@code end()} leaves the exchange open: that is how
 * asynchronous handlers work, so it must call {@code end()} later. A handler that throws is
 * answered as {@link Handler} describes.
 *
 * <h2>Over HTTP/2</h2>
 * Every member works as Node's HTTP/2 compatibility API ({@code Http2ServerResponse}) has it: the
 * head goes out as a HEADERS frame with {@code :status} first, header names lower-cased in the
 * order first set, and {@code date} last (unless set or removed); the body as DATA ending with
 * END_STREAM, never framed by the host ({@code Content-Length} only if the handler sets it);
 * {@link #statusMessage()} reads {@code ""}, and {@link #statusMessage(String)} and a reason phrase
 * given to {@code writeHead} are ignored (not even checked for invalid characters);
 * {@code Connection} is dropped; {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code Transfer-Encoding}, {@code Upgrade} and a {@code TE} other than {@code trailers} make the
 * head fail with {@link HttpException#ERR_HTTP2_INVALID_CONNECTION_HEADERS} when it is fixed (and,
 * unless the handler answers otherwise at once, the host answers {@code 500}: the stream never
 * hangs); {@link #addTrailers} always goes out, as a trailing HEADERS frame;
 * {@link #writeContinue()} sends an interim {@code :status 100}. {@link #write} returns
 * {@code false} when the stream's or the connection's flow-control window or write buffer is
 * exhausted, and {@link #onDrain} fires when it reopens. A client's RST_STREAM ends the exchange
 * with {@link Outcome#CLIENT_ABORTED}; a response cut off by the host is reset
 * ({@code RST_STREAM INTERNAL_ERROR}). Error codes keep their HTTP/1 names
 * ({@code ERR_HTTP_HEADERS_SENT} where Node's http2 says {@code ERR_HTTP2_HEADERS_SENT}).
 *
 * <h2>Events</h2>
 * Node's {@code 'finish'} is {@link #onFinish}; Node's {@code 'drain'} is {@link #onDrain}.
 * Node's {@code 'close'} fires after a normal end too (since Node 0.x's {@code 'close'} was
 * redefined); Spindle keeps the original meaning for {@link #onClose} (the connection ended
 * before the response was finished) and offers {@link #onDone} as the event that always fires,
 * exactly once, with the {@link Outcome}: {@code onDone} is what Node code listening to
 * {@code 'close'} should use. Listeners run on the connection's event loop; a listener added after
 * its event fired is never called, except {@code onDone}, which then runs at once.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread. The response's state belongs to its connection's
 * event loop, and a call from another thread runs there: from a plain thread (a worker) the call
 * waits for it, so results and exceptions are as on the loop; from another connection's event
 * loop, calls without a result are queued in call order without waiting (two loops waiting on
 * each other would deadlock), {@code write} then returns what is known at once, and misuse is
 * reported to {@code onError}. Host actions on the response (a timeout's answer, a shutdown) run on
 * the same loop, so they never interleave with a handler's call. One response is meant to be
 * driven by one thread at a time, as a Node response is.
 *
 * <h2>Chunks and encodings</h2>
 * A chunk is a {@code String}, a {@code byte[]} or a {@link ByteBuffer} (its remaining bytes,
 * copied). Strings are encoded with Node's encoding names: {@code utf8} (default), {@code latin1}
 * ({@code binary}), {@code ascii}, {@code hex}, {@code base64}, {@code base64url},
 * {@code utf16le} ({@code ucs2}); or with a {@link Charset}. An unknown name throws
 * {@code ERR_UNKNOWN_ENCODING}.
 */
@ProviderType
public interface ServerResponse {

    // ------------------------------------------------------------------ status line

    /** The status code: to be sent while the head is open, the one sent once it is fixed. Default 200. */
    int statusCode();

    /**
     * Sets the status code sent with the implicit head. Validated when the head is fixed
     * ({@code ERR_HTTP_INVALID_STATUS_CODE} outside 100..999). After the head is fixed it only
     * changes this property, as in Node.
     *
     * @return this response
     */
    ServerResponse statusCode(int code);

    /**
     * The reason phrase; {@code null} until set or until the head is fixed with Node's default.
     * Over HTTP/2 always {@code ""}, as Node's {@code Http2ServerResponse}.
     */
    String statusMessage();

    /**
     * Sets the reason phrase sent with the implicit head (default: Node's table, {@code unknown}
     * for codes it does not list). Validated when the head is fixed ({@code ERR_INVALID_CHAR}).
     *
     * @return this response
     */
    ServerResponse statusMessage(String message);

    // ------------------------------------------------------------------ headers

    /**
     * Sets one header for the implicit head, replacing any value of the same name (names compare
     * case-insensitively; the case given is the case sent).
     *
     * @throws HttpException {@code ERR_HTTP_HEADERS_SENT}, {@code ERR_INVALID_HTTP_TOKEN} (name),
     *         {@code ERR_INVALID_CHAR} (value), {@code ERR_HTTP_INVALID_HEADER_VALUE} (null)
     * @return this response
     */
    ServerResponse setHeader(String name, String value);

    /** {@link #setHeader(String, String)} with a number, sent in decimal. */
    ServerResponse setHeader(String name, long value);

    /**
     * Sets a header to several values, sent as one header line each, in order (never
     * comma-joined), as {@code setHeader(name, ['a', 'b'])} does in Node.
     *
     * @return this response
     */
    ServerResponse setHeader(String name, List<String> values);

    /**
     * Adds a value to a header, keeping the values already set (Node's {@code appendHeader}).
     *
     * @return this response
     */
    ServerResponse appendHeader(String name, String value);

    /**
     * The value set for {@code name} (case-insensitive), or {@code null} (Node's
     * {@code undefined}). A header set to several values answers them joined with {@code ", "};
     * {@link #getHeaderValues} answers them one by one.
     */
    String getHeader(String name);

    /** The values set for {@code name} (case-insensitive): one for a single value, none if absent. */
    List<String> getHeaderValues(String name);

    /** Whether a header of that name (case-insensitive) is set. */
    boolean hasHeader(String name);

    /** The names of the headers set, lower-cased, in the order they were first set. */
    List<String> getHeaderNames();

    /** A copy of the headers set: lower-cased names in order, each with its values. */
    Map<String, List<String>> getHeaders();

    /**
     * Removes a header from the implicit head. Removing {@code Date} turns the automatic
     * {@code Date} off; removing {@code Content-Length} or {@code Transfer-Encoding} turns off
     * the computed one; removing {@code Connection} makes the response the connection's last.
     *
     * @throws HttpException {@code ERR_HTTP_HEADERS_SENT}
     */
    void removeHeader(String name);

    /** Whether the automatic {@code Date} header is sent. Default {@code true}. */
    boolean sendDate();

    /**
     * Turns the automatic {@code Date} header on or off.
     *
     * @return this response
     */
    ServerResponse sendDate(boolean send);

    // ------------------------------------------------------------------ the head

    /** Fixes the head with this status; see {@link #writeHead(int, String, Map)}. */
    ServerResponse writeHead(int statusCode);

    /** Fixes the head with this status and reason phrase; see {@link #writeHead(int, String, Map)}. */
    ServerResponse writeHead(int statusCode, String reasonPhrase);

    /** Fixes the head with this status and headers; see {@link #writeHead(int, String, Map)}. */
    ServerResponse writeHead(int statusCode, Map<String, ?> headers);

    /**
     * Fixes the head: status, reason phrase ({@code null} for the default) and headers, merged over
     * the ones set with {@link #setHeader} (a name given here replaces the same name set before).
     * Header values are {@code String}s, {@code Number}s or {@code List}s of strings. The head goes
     * out with the first body chunk or at {@code end()}. May be called once.
     *
     * @throws HttpException {@code ERR_HTTP_HEADERS_SENT} (second call, or after a write),
     *         {@code ERR_HTTP_INVALID_STATUS_CODE}, {@code ERR_INVALID_CHAR},
     *         {@code ERR_INVALID_HTTP_TOKEN}, {@code ERR_HTTP_TRAILER_INVALID} (a {@code Trailer}
     *         header on a response that cannot be chunked)
     * @return this response
     */
    ServerResponse writeHead(int statusCode, String reasonPhrase, Map<String, ?> headers);

    /** Fixes the implicit head and sends it now, without waiting for the first chunk. */
    void flushHeaders();

    /** Whether the head is fixed (Node's {@code headersSent}). */
    boolean headersSent();

    /**
     * Sends {@code HTTP/1.1 100 Continue} to a client that asked for it, telling it to send the
     * body (see {@link Handler#CHECK_CONTINUE}).
     *
     * @throws HttpException {@code ERR_HTTP_HEADERS_SENT} after the head is fixed
     */
    void writeContinue();

    // ------------------------------------------------------------------ body

    /** Writes a UTF-8 chunk; see {@link #write(String, String, Consumer)}. */
    boolean write(String chunk);

    /** Writes a chunk in a Node encoding; see {@link #write(String, String, Consumer)}. */
    boolean write(String chunk, String encoding);

    /** Writes a chunk in a charset; see {@link #write(String, String, Consumer)}. */
    boolean write(String chunk, Charset charset);

    /** Writes bytes; see {@link #write(String, String, Consumer)}. */
    boolean write(byte[] chunk);

    /** Writes the remaining bytes of a buffer (copied); see {@link #write(String, String, Consumer)}. */
    boolean write(ByteBuffer chunk);

    /** Writes bytes, then calls {@code callback}; see {@link #write(String, String, Consumer)}. */
    boolean write(byte[] chunk, Consumer<? super HttpException> callback);

    /**
     * Sends a chunk of the body, fixing the implicit head first if needed. The first chunk goes
     * out together with the head. An empty chunk sends the head and nothing else.
     *
     * @param callback called on the event loop once the chunk is handed to the network, with
     *        {@code null}, or with the error ({@code ERR_STREAM_WRITE_AFTER_END} after end)
     * @return {@code false} when the data is queued above the high-water mark (16 KiB buffered
     *         for this response, or the connection's outbound buffer full): stop writing until
     *         {@link #onDrain} fires. Also {@code false} after {@code end()}.
     * @throws HttpException {@code ERR_STREAM_NULL_VALUES} for a {@code null} chunk,
     *         {@code ERR_UNKNOWN_ENCODING}, or what fixing the head throws
     */
    boolean write(String chunk, String encoding, Consumer<? super HttpException> callback);

    /**
     * Adds trailers, sent after the last chunk of a chunked response and silently dropped
     * otherwise (HTTP/1.0, a fixed {@code Content-Length}). Declare them with a {@code Trailer}
     * header. Replaces trailers added before.
     *
     * @throws HttpException {@code ERR_INVALID_HTTP_TOKEN}, {@code ERR_INVALID_CHAR}
     */
    void addTrailers(Map<String, String> trailers);

    /** Ends the response; see {@link #end(String, String)}. */
    void end();

    /** Writes a last UTF-8 chunk and ends; see {@link #end(String, String)}. */
    void end(String data);

    /**
     * Writes a last chunk and ends the response. When nothing was written before and the head was
     * not fixed, this chunk alone decides the body, so the response gets a {@code Content-Length}
     * (HTTP/1.1, not HEAD, no {@code Trailer} header). {@code end} must be called once per
     * response; further calls do nothing.
     */
    void end(String data, String encoding);

    /** Writes a last chunk in a charset and ends. */
    void end(String data, Charset charset);

    /** Writes the last bytes and ends. */
    void end(byte[] data);

    /** Writes the remaining bytes of a buffer (copied) and ends. */
    void end(ByteBuffer data);

    /** Whether {@code end()} was called (Node's {@code writableEnded}). */
    boolean writableEnded();

    /** Whether the whole response was handed to the network (Node's {@code writableFinished}). */
    boolean writableFinished();

    /**
     * Sets a deadline for this exchange: if the response has not finished {@code millis} from
     * now, {@code onTimeout} runs on the event loop (it typically answers 503 or ends the
     * response); with a {@code null} callback the connection is closed and {@link #onDone}
     * reports {@link Outcome#TIMED_OUT}. A new call replaces the deadline; {@code 0} removes it.
     *
     * @return this response
     */
    ServerResponse setTimeout(long millis, Runnable onTimeout);

    // ------------------------------------------------------------------ events

    /** Runs once the last byte of the response is handed to the network (Node's {@code 'finish'}). */
    ServerResponse onFinish(Runnable listener);

    /** Runs once the connection ended before the response finished (the original {@code 'close'}). */
    ServerResponse onClose(Runnable listener);

    /** Runs when a {@link #write} that returned {@code false} may be followed by more. */
    ServerResponse onDrain(Runnable listener);

    /** Runs with asynchronous errors, such as a write after end (Node's {@code 'error'}). */
    ServerResponse onError(Consumer<? super HttpException> listener);

    /** Runs exactly once, whatever happened, with how the exchange ended. */
    ServerResponse onDone(Consumer<? super Outcome> listener);
}
