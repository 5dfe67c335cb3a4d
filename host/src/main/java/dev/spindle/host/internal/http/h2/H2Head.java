package dev.spindle.host.internal.http.h2;

import java.util.List;
import java.util.Locale;

import dev.spindle.api.HttpException;
import dev.spindle.host.internal.http.codec.DateCache;
import dev.spindle.host.internal.http.exchange.FixedHead;
import dev.spindle.host.internal.http.exchange.HeadDraft;
import dev.spindle.host.internal.http.exchange.HeaderStore;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Data path: between a response's {@link HeadDraft} and its stream's HEADERS frame. Node's
 * {@code Http2ServerResponse} rules for the head: {@code :status} first, then the handler's
 * headers lower-cased in the order first set, then {@code date} unless the handler set or removed
 * it; no {@code content-length} of the host's own (END_STREAM ends the body), no reason phrase,
 * {@code connection} dropped, and the other connection-specific headers refused with
 * {@code ERR_HTTP2_INVALID_CONNECTION_HEADERS}. Pure: the same draft always gives the same head.
 */
final class H2Head implements FixedHead {

    private static final AsciiString DATE = AsciiString.cached("date");
    private static final List<String> FORBIDDEN = List.of("keep-alive", "proxy-connection", "transfer-encoding", "upgrade");

    final Http2Headers headers;
    /** Whether DATA may follow: not for HEAD, 1xx, 204, 205 and 304 (Node ends the stream with the head). */
    final boolean hasBody;

    private H2Head(Http2Headers headers, boolean hasBody) {
        this.headers = headers;
        this.hasBody = hasBody;
    }

    @Override
    public boolean sendsTrailers() {
        return true;
    }

    @Override
    public boolean sendAtOnce() {
        return false;
    }

    /** The head of {@code draft} as Node's HTTP/2 compatibility API sends it; throws for connection-specific headers. */
    static H2Head build(HeadDraft draft) {
        int status = draft.statusCode();
        Http2Headers out = new DefaultHttp2Headers(false, draft.headerCount() + 2);
        out.status(AsciiString.of(Integer.toString(status)));
        HeaderStore fields = draft.headers();
        boolean hasDate = false;
        for (int i = 0, n = draft.headerCount(); i < n; i++) {
            String name = fields.name(i).toLowerCase(Locale.ROOT);
            if (name.equals("connection")) {
                continue; // Node drops it with a warning
            }
            List<String> values = fields.values(i);
            if (FORBIDDEN.contains(name) || name.equals("te") && !(values.size() == 1 && values.get(0).equalsIgnoreCase("trailers"))) {
                throw new HttpException(HttpException.ERR_HTTP2_INVALID_CONNECTION_HEADERS,
                        "HTTP/1 Connection specific headers are forbidden: \"" + name + "\"");
            }
            hasDate |= name.equals("date");
            for (String v : values) {
                out.add(name, v);
            }
        }
        if (draft.sendDate() && !hasDate) {
            out.add(DATE, DateCache.now());
        }
        boolean hasBody = draft.hasBody() && status >= 200 && status != 204 && status != 205 && status != 304;
        return new H2Head(out, hasBody);
    }

    /** A HEADERS block of a host's own refusal: only the status. */
    static Http2Headers status(int status) {
        return new DefaultHttp2Headers(false, 1).status(AsciiString.of(Integer.toString(status)));
    }
}
