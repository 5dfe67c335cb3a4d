package dev.spindle.host.internal.router;

import java.util.Collection;

/** Finds the handler for a request; the router's routing table implements it. */
@FunctionalInterface
public interface HandlerResolver {

    /**
     * The router's routing table over a fixed set of registrations, for an engine without a
     * whiteboard (spindle-testkit runs handlers this way, outside OSGi).
     *
     * @throws IllegalArgumentException for the first invalid registration, with its reason
     */
    static HandlerResolver of(Collection<Registration> registrations) {
        for (Registration r : registrations) {
            if (!r.valid()) {
                throw new IllegalArgumentException(r.failure);
            }
        }
        return new RouteTable(registrations);
    }

    /** What serves {@code method} on {@code path} (the request-target up to {@code ?}). */
    Resolution resolve(String method, String path);

    /**
     * What serves a WebSocket upgrade on {@code path} (the request-target up to {@code ?}): a
     * {@code WebSocketHandler}'s target, {@link Resolution#pending} while its route waits for a
     * replacement, else {@link Resolution#notFound()} (the request is an ordinary one). The
     * default serves no WebSocket.
     */
    default Resolution resolveWebSocket(String path) {
        return Resolution.notFound();
    }

    /**
     * What takes over a connection whose request asks for {@code Upgrade: protocol} on
     * {@code path}: an {@code UpgradeHandler}'s target, {@link Resolution#pending} while its route
     * waits for a replacement, else {@link Resolution#notFound()}. The default serves none.
     */
    default Resolution resolveUpgrade(String path, String protocol) {
        return Resolution.notFound();
    }

    /**
     * Calls {@code callback} once, at the next change of the routes (used by requests waiting for
     * a {@link Resolution#pending} route). The default never calls back: its routes never change.
     */
    default void onNextChange(Runnable callback) {
    }

    /**
     * The answer of {@link #resolve}: a handler, or why there is none. Not final for one subclass
     * of its own, a route a canary shares: until one is made, {@link #choose} has one
     * implementation, which the JIT inlines without a check.
     */
    class Resolution {
        private static final Resolution NOT_FOUND = new Resolution(null, null, false, 0);

        private final RouteTarget target;
        private final String allow;
        private final boolean pending;
        private final long waitUntilNanos;

        private Resolution(RouteTarget target, String allow, boolean pending, long waitUntilNanos) {
            this.target = target;
            this.allow = allow;
            this.pending = pending;
            this.waitUntilNanos = waitUntilNanos;
        }

        public static Resolution found(RouteTarget target) {
            return new Resolution(target, null, false, 0);
        }

        /** A route whose requests {@code split} shares between its stable version and a canary. */
        static Resolution split(CanarySplit split) {
            return new Split(split);
        }

        /** A route whose stable version shares its requests with a canary. */
        private static final class Split extends Resolution {
            private final CanarySplit split;

            Split(CanarySplit split) {
                super(split.stable(), null, false, 0);
                this.split = split;
            }

            @Override
            public RouteTarget choose(dev.spindle.api.IncomingMessage req) {
                return split.choose(req);
            }
        }

        public static Resolution notFound() {
            return NOT_FOUND;
        }

        /** The path has handlers, none for this method; {@code allow} lists the methods they take. */
        public static Resolution methodNotAllowed(String allow) {
            return new Resolution(null, allow, false, 0);
        }

        /**
         * The route lost its handler moments ago (an update in progress): the request should wait
         * for a replacement until {@code System.nanoTime()} reaches {@code waitUntilNanos}.
         */
        public static Resolution pending(long waitUntilNanos) {
            return new Resolution(null, null, true, waitUntilNanos);
        }

        /** Whether the request should wait for the route to come back; see {@link #pending}. */
        public boolean isPending() {
            return pending;
        }

        public long waitUntilNanos() {
            return waitUntilNanos;
        }

        /** The handler (a split route's stable one), or {@code null}. */
        public RouteTarget target() {
            return target;
        }

        /**
         * The handler that serves {@code req}: {@link #target()}, unless a canary shares the
         * route; then the split picks (and counts the request: call it once per request).
         */
        public RouteTarget choose(dev.spindle.api.IncomingMessage req) {
            return target;
        }

        /** The {@code Allow} value for a 405, or {@code null}. */
        public String allow() {
            return allow;
        }
    }
}
