package dev.spindle.host.internal.http.connection;

import java.util.Set;

/**
 * Data path: part of the request gate. The request methods the server takes: the registered
 * methods that Node's parser (llhttp) knows, as {@code http.METHODS} of Node 20 lists them, plus
 * those the configuration adds ({@code extraMethods}). Any other method is answered
 * {@code 501 Not Implemented} before a handler sees it.
 */
final class Methods {

    static final Set<String> KNOWN = Set.of("ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD",
            "LINK", "LOCK", "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
            "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE",
            "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE");

    private Methods() {
    }

    static boolean served(String method, Set<String> extra) {
        return KNOWN.contains(method) || extra.contains(method);
    }
}
