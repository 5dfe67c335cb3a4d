package dev.spindle.host.internal.http.exchange;

/**
 * Data path: what a protocol's framing made of a response head once the handler can no longer
 * change it. The response asks only what Node's semantics depend on; the bytes stay the
 * protocol's business.
 */
public interface FixedHead {

    /** Whether trailers given by {@code addTrailers} go out (HTTP/1.1: only with chunked framing). */
    boolean sendsTrailers();

    /** Whether the head goes out at once, before any body (Node does so for a head with {@code Expect}). */
    boolean sendAtOnce();
}
