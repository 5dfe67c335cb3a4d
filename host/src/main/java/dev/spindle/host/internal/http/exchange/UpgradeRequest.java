package dev.spindle.host.internal.http.exchange;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import dev.spindle.api.IncomingMessage;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Data path: what a WebSocket or upgrade handler reads of the request that asked to switch
 * protocols. The request's head as Node's {@code IncomingMessage} shows it (headers joined by
 * Node's rules, as an HTTP handler sees them); an upgrade request has no body, so it is complete
 * from the start and its body listeners run at once with nothing.
 */
public final class UpgradeRequest implements IncomingMessage {

    private final HttpRequest head;
    private final Channel channel;
    private final String routePrefix;
    private Map<String, String> headers;

    /** @param routePrefix the matched {@code /x/*} route's {@code /x}, {@code null} for an exact route */
    public UpgradeRequest(HttpRequest head, Channel channel, String routePrefix) {
        this.head = head;
        this.channel = channel;
        this.routePrefix = routePrefix;
    }

    @Override
    public String method() {
        return head.method().name();
    }

    @Override
    public String url() {
        return head.uri();
    }

    @Override
    public String path() {
        return pathOf(head.uri());
    }

    /**
     * The path of a request-target: up to {@code ?}; of one in absolute form ({@code http://host/p?q},
     * what clients send to a proxy, and which a server must accept too: RFC 9112, 3.2.2) the part
     * after the authority, {@code /} when there is none. Routing uses it; {@code url()} stays as sent,
     * as Node's {@code req.url} does.
     */
    public static String pathOf(String uri) {
        int start = 0;
        if (!uri.isEmpty() && uri.charAt(0) != '/') {
            int authority = authorityStart(uri);
            if (authority > 0) {
                int slash = uri.indexOf('/', authority);
                int q = uri.indexOf('?', authority);
                if (slash < 0 || (q >= 0 && q < slash)) {
                    return "/";
                }
                start = slash;
            }
        }
        int q = uri.indexOf('?', start);
        return q < 0 ? (start == 0 ? uri : uri.substring(start)) : uri.substring(start, q);
    }

    /**
     * Where the authority of a request-target in absolute form begins: after its scheme (letters
     * only, as Node's llhttp takes them) and {@code ://}; -1 if {@code uri} is not in that form.
     */
    public static int authorityStart(String uri) {
        int i = 0;
        char c;
        while (i < uri.length() && ((c = uri.charAt(i)) >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
            i++;
        }
        return i > 0 && uri.startsWith("://", i) ? i + 3 : -1;
    }

    @Override
    public String remainingPath() {
        return remainingPath(routePrefix, path());
    }

    /** {@link IncomingMessage#remainingPath()} of {@code path} under the prefix route {@code prefix} (null: exact); {@link Request}'s too. */
    static String remainingPath(String prefix, String path) {
        if (prefix == null || path.length() <= prefix.length() + 1) {
            return "";
        }
        return IncomingMessage.percentDecode(path.substring(prefix.length() + 1));
    }

    @Override
    public String httpVersion() {
        return version(head);
    }

    /** {@code "1.1"} or {@code "1.0"}; {@link Request}'s too. */
    static String version(HttpRequest head) {
        io.netty.handler.codec.http.HttpVersion v = head.protocolVersion();
        return v.majorVersion() + "." + v.minorVersion();
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            headers = RequestHeaders.join(head.headers());
        }
        return headers;
    }

    @Override
    public String header(String name) {
        return headers().get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public Map<String, List<String>> headersDistinct() {
        return RequestHeaders.distinct(head.headers());
    }

    @Override
    public List<String> rawHeaders() {
        return RequestHeaders.raw(head.headers());
    }

    @Override
    public Map<String, String> trailers() {
        return Map.of();
    }

    @Override
    public List<String> rawTrailers() {
        return List.of();
    }

    @Override
    public boolean complete() {
        return true;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return inet(channel.remoteAddress());
    }

    @Override
    public InetSocketAddress localAddress() {
        return inet(channel.localAddress());
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }

    @Override
    public IncomingMessage onData(Consumer<byte[]> listener) {
        return this; // no body: never called
    }

    @Override
    public IncomingMessage onEnd(Runnable listener) {
        channel.eventLoop().execute(listener);
        return this;
    }

    @Override
    public IncomingMessage onAborted(Runnable listener) {
        return this;
    }

    @Override
    public IncomingMessage pause() {
        return this;
    }

    @Override
    public IncomingMessage resume() {
        return this;
    }

    @Override
    public boolean isPaused() {
        return false;
    }

    @Override
    public CompletionStage<byte[]> body() {
        return CompletableFuture.completedFuture(new byte[0]);
    }

    @Override
    public String toString() {
        return head.method() + " " + head.uri() + " (upgrade to " + head.headers().get("upgrade") + ")";
    }
}
