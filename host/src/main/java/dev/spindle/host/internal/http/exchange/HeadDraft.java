package dev.spindle.host.internal.http.exchange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.spindle.api.HttpException;

/**
 * Data path: the head of a response while the handler shapes it, as Node's
 * {@code OutgoingMessage} keeps it: status, reason, the header store with Node's checks, and the
 * flags framing reads ({@code sendDate}, the removed framing headers, a length known from
 * {@code end(data)}). Protocol-free and channel-free: a protocol's head builder reads it, so a
 * head can be built and tested from a draft alone.
 */
public final class HeadDraft {

    int statusCode = 200;
    String statusMessage;
    private HeaderStore fields;
    boolean sendDate = true;
    private boolean removedConnection;
    private boolean removedContentLength;
    private boolean removedTransferEncoding;
    /** The length of a body given whole to {@code end()}, or -1. */
    long contentLength = -1;
    boolean hasBody;
    boolean keepAlive;
    private final boolean chunkedByDefault;
    /** The host closes the connection after this response (shutdown, a timeout answer). */
    boolean closeAfter;

    /**
     * @param keepAlive        whether the request asks to keep the connection (Node's {@code shouldKeepAlive})
     * @param hasBody          false for a HEAD request
     * @param chunkedByDefault HTTP/1.1, or an HTTP/1.0 client announcing chunked with {@code TE}
     */
    public HeadDraft(boolean keepAlive, boolean hasBody, boolean chunkedByDefault) {
        this.keepAlive = keepAlive;
        this.hasBody = hasBody;
        this.chunkedByDefault = chunkedByDefault;
    }

    // ---------------------------------------------------------------- read by head builders

    public int statusCode() {
        return statusCode;
    }

    public String statusMessage() {
        return statusMessage;
    }

    /** Header {@code i} of {@link #headerCount()}, in the order first set and the case last given. */
    public HeaderStore headers() {
        return fields;
    }

    public int headerCount() {
        return fields == null ? 0 : fields.size();
    }

    public boolean sendDate() {
        return sendDate;
    }

    public boolean removedConnection() {
        return removedConnection;
    }

    public boolean removedContentLength() {
        return removedContentLength;
    }

    public boolean removedTransferEncoding() {
        return removedTransferEncoding;
    }

    public long contentLength() {
        return contentLength;
    }

    public boolean hasBody() {
        return hasBody;
    }

    public boolean keepAlive() {
        return keepAlive;
    }

    public boolean chunkedByDefault() {
        return chunkedByDefault;
    }

    public boolean closeAfter() {
        return closeAfter;
    }

    // ---------------------------------------------------------------- Node's header methods

    void setHeader(String name, String value) {
        HeaderRules.checkName("Header", name);
        HeaderRules.checkValue("header", name, value);
        store().set(name, value);
    }

    void setHeader(String name, List<String> values) {
        HeaderRules.checkName("Header", name);
        if (values == null) {
            HeaderRules.checkValue("header", name, null);
        }
        List<String> copy = new ArrayList<>(values);
        for (String v : copy) {
            HeaderRules.checkValue("header", name, v);
        }
        store().set(name, Collections.unmodifiableList(copy));
    }

    void appendHeader(String name, String value) {
        HeaderRules.checkName("Header", name);
        HeaderRules.checkValue("header", name, value);
        store().append(name, value);
    }

    /** A header given to {@code writeHead}: a list as a list, anything else by its string form. */
    void mergeHeader(String name, Object value) {
        if (name == null || name.isEmpty()) {
            return;
        }
        if (value instanceof List) {
            List<String> values = new ArrayList<>();
            for (Object v : (List<?>) value) {
                values.add(v == null ? null : v.toString());
            }
            setHeader(name, values);
        } else {
            setHeader(name, value == null ? null : value.toString());
        }
    }

    private HeaderStore store() {
        if (fields == null) {
            fields = new HeaderStore();
        }
        return fields;
    }

    String getHeader(String name) {
        int i = field(name);
        if (i < 0) {
            return null;
        }
        Object v = fields.value(i);
        return v instanceof String ? (String) v : String.join(", ", fields.values(i));
    }

    List<String> getHeaderValues(String name) {
        int i = field(name);
        return i < 0 ? List.of() : fields.values(i);
    }

    boolean hasHeader(String name) {
        return field(name) >= 0;
    }

    private int field(String name) {
        checkNameArgument(name);
        return fields == null ? -1 : fields.indexOf(name);
    }

    static void checkNameArgument(String name) {
        if (name == null) {
            throw new HttpException(HttpException.ERR_INVALID_ARG_VALUE, "The \"name\" argument must be of type string");
        }
    }

    List<String> getHeaderNames() {
        return fields == null ? List.of() : fields.lowerCaseNames();
    }

    Map<String, List<String>> getHeaders() {
        return fields == null ? Map.of() : fields.asMap();
    }

    /** Node's {@code removeHeader}: removing a framing header or Date also stops the host adding its own. */
    void removeHeader(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "connection":
                removedConnection = true;
                break;
            case "content-length":
                removedContentLength = true;
                break;
            case "transfer-encoding":
                removedTransferEncoding = true;
                break;
            case "date":
                sendDate = false;
                break;
            default:
                break;
        }
        if (fields != null) {
            fields.remove(name);
        }
    }

    /** Headers given only to {@code writeHead} are dropped again when the head cannot be fixed. */
    boolean empty() {
        return fields == null || fields.size() == 0;
    }

    void clearHeaders() {
        if (fields != null) {
            fields.clear();
        }
    }

    /** Forgets what the handler shaped, for an answer of the host's own. */
    void reset(int status) {
        clearHeaders();
        removedConnection = false;
        removedContentLength = false;
        removedTransferEncoding = false;
        sendDate = true;
        contentLength = -1;
        statusCode = status;
        statusMessage = StatusCodes.reason(status);
    }
}
