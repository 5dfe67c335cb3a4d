package dev.spindle.host.internal.http.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Node's {@code http.STATUS_CODES}: the reason phrases Node sends, and {@code unknown} for the rest. */
public final class StatusCodes {

    public static final String UNKNOWN = "unknown";

    private static final String[] REASONS = new String[1000];
    private static final HttpResponseStatus[] STATUSES = new HttpResponseStatus[1000];

    static {
        Object[] table = {
            100, "Continue", 101, "Switching Protocols", 102, "Processing", 103, "Early Hints",
            200, "OK", 201, "Created", 202, "Accepted", 203, "Non-Authoritative Information",
            204, "No Content", 205, "Reset Content", 206, "Partial Content", 207, "Multi-Status",
            208, "Already Reported", 226, "IM Used",
            300, "Multiple Choices", 301, "Moved Permanently", 302, "Found", 303, "See Other",
            304, "Not Modified", 305, "Use Proxy", 307, "Temporary Redirect", 308, "Permanent Redirect",
            400, "Bad Request", 401, "Unauthorized", 402, "Payment Required", 403, "Forbidden",
            404, "Not Found", 405, "Method Not Allowed", 406, "Not Acceptable",
            407, "Proxy Authentication Required", 408, "Request Timeout", 409, "Conflict", 410, "Gone",
            411, "Length Required", 412, "Precondition Failed", 413, "Payload Too Large",
            414, "URI Too Long", 415, "Unsupported Media Type", 416, "Range Not Satisfiable",
            417, "Expectation Failed", 418, "I'm a Teapot", 421, "Misdirected Request",
            422, "Unprocessable Entity", 423, "Locked", 424, "Failed Dependency", 425, "Too Early",
            426, "Upgrade Required", 428, "Precondition Required", 429, "Too Many Requests",
            431, "Request Header Fields Too Large", 451, "Unavailable For Legal Reasons",
            500, "Internal Server Error", 501, "Not Implemented", 502, "Bad Gateway",
            503, "Service Unavailable", 504, "Gateway Timeout", 505, "HTTP Version Not Supported",
            506, "Variant Also Negotiates", 507, "Insufficient Storage", 508, "Loop Detected",
            509, "Bandwidth Limit Exceeded", 510, "Not Extended", 511, "Network Authentication Required",
        };
        for (int i = 0; i < table.length; i += 2) {
            int code = (Integer) table[i];
            REASONS[code] = (String) table[i + 1];
            STATUSES[code] = new HttpResponseStatus(code, REASONS[code]);
        }
    }

    private StatusCodes() {
    }

    /** Node's reason phrase for {@code code} (100..999), {@code unknown} if Node has none. */
    public static String reason(int code) {
        String reason = REASONS[code];
        return reason == null ? UNKNOWN : reason;
    }

    /** The status line for {@code code} and {@code reason}; shared instances for Node's defaults. */
    public static HttpResponseStatus status(int code, String reason) {
        HttpResponseStatus cached = STATUSES[code];
        if (cached != null && cached.reasonPhrase().equals(reason)) {
            return cached;
        }
        return new HttpResponseStatus(code, reason);
    }
}
