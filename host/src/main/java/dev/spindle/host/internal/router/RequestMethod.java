package dev.spindle.host.internal.router;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Data path: the request method as a handler's counters ({@link RouteTarget}) keep it, an index
 * into a small array. RFC 9110's methods (and PATCH) are themselves; every other method the server
 * takes (WebDAV's, {@code extraMethods}) is {@link #OTHER}, so that the metrics have a bounded
 * set of series whatever clients send. Netty decodes the common methods into its shared
 * instances, so finding one is an identity comparison or a few.
 */
public enum RequestMethod {
    GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT, TRACE, OTHER;

    /** How many there are: the size of an array indexed by {@link #ordinal()}. */
    public static final int COUNT = values().length;

    private static final RequestMethod[] ALL = values();

    private final String label = name().equals("OTHER") ? "other" : name();

    /** The metrics' label value: the method's name, {@code other} for {@link #OTHER}. */
    public String label() {
        return label;
    }

    /** The method of index {@code ordinal}. */
    public static RequestMethod of(int ordinal) {
        return ALL[ordinal];
    }

    /** {@code method} as counted: one of the known methods (case-sensitive, as in HTTP) or {@link #OTHER}. */
    public static RequestMethod of(HttpMethod method) {
        if (method == HttpMethod.GET) {
            return GET;
        }
        if (method == HttpMethod.POST) {
            return POST;
        }
        if (method == HttpMethod.HEAD) {
            return HEAD;
        }
        return byName(method.name());
    }

    private static RequestMethod byName(String name) {
        switch (name) {
            case "GET":
                return GET;
            case "HEAD":
                return HEAD;
            case "POST":
                return POST;
            case "PUT":
                return PUT;
            case "DELETE":
                return DELETE;
            case "PATCH":
                return PATCH;
            case "OPTIONS":
                return OPTIONS;
            case "CONNECT":
                return CONNECT;
            case "TRACE":
                return TRACE;
            default:
                return OTHER;
        }
    }
}
