package dev.spindle.host.internal.router;

import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import dev.spindle.api.IncomingMessage;

/**
 * Beside the data path: how the whiteboard routes to a canary bundle, declared before the bundle
 * starts. Its handlers then share their route with the stable version's (the same symbolic name)
 * instead of being shadowed by it, at {@code percent} of the requests; see {@link CanarySplit}.
 *
 * @param percent the canary's share of the route's requests, 0 to 100
 * @param sticky what keeps a client on one version, or null
 */
public record Canary(int percent, Stickiness sticky) {

    public Canary {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be 0 to 100, not " + percent);
        }
    }

    /** A named request header, or a named cookie, whose value's hash picks the version. */
    public record Stickiness(String header, String cookie) {

        public Stickiness {
            if ((header == null) == (cookie == null)) {
                throw new IllegalArgumentException("stickiness takes a header or a cookie");
            }
        }

        /** The value to hash in {@code req}, or null when it carries none. */
        String valueIn(IncomingMessage req) {
            if (header != null) {
                return req.header(header);
            }
            String cookies = req.header("cookie");
            if (cookies == null) {
                return null;
            }
            for (io.netty.handler.codec.http.cookie.Cookie c : ServerCookieDecoder.LAX.decodeAll(cookies)) {
                if (c.name().equals(cookie)) {
                    return c.value();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return header != null ? "header " + header : "cookie " + cookie;
        }
    }
}
