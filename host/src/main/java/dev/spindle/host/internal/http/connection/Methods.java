package dev.spindle.host.internal.http.connection;

import java.util.Set;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Data path: part of the request gate (HTTP/1.1) and of an HTTP/2 stream's start. The request
 * methods the server takes: the registered methods that Node's parser (llhttp) knows, as
 * {@code http.METHODS} of Node 20 lists them, plus those the configuration adds
 * ({@code extraMethods}). Any other method is answered {@code 501 Not Implemented} before a
 * handler sees it.
 */
public final class Methods {

    static final Set<String> KNOWN = Set.of("ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD",
            "LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
            "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE",
            "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE");

    private Methods() {
    }

    /** Whether {@code method} is served: Netty's shared instances of the common ones need no lookup. */
    public static boolean served(HttpMethod method, Set<String> extra) {
        if (method == HttpMethod.GET || method == HttpMethod.POST || method == HttpMethod.HEAD
                || method == HttpMethod.PUT || method == HttpMethod.DELETE) {
            return true;
        }
        String name = method.name();
        return KNOWN.contains(name) || extra.contains(name);
    }
}
