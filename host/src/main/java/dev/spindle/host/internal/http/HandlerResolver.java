package dev.spindle.host.internal.http;

/** Finds the handler for a request; the router's routing table implements it. */
@FunctionalInterface
public interface HandlerResolver {

    /** What serves {@code method} on {@code path} (the request-target up to {@code ?}). */
    Resolution resolve(String method, String path);

    /** The answer of {@link #resolve}: a handler, or why there is none. */
    final class Resolution {
        private static final Resolution NOT_FOUND = new Resolution(null, null);

        private final RouteTarget target;
        private final String allow;

        private Resolution(RouteTarget target, String allow) {
            this.target = target;
            this.allow = allow;
        }

        public static Resolution found(RouteTarget target) {
            return new Resolution(target, null);
        }

        public static Resolution notFound() {
            return NOT_FOUND;
        }

        /** The path has handlers, none for this method; {@code allow} lists the methods they take. */
        public static Resolution methodNotAllowed(String allow) {
            return new Resolution(null, allow);
        }

        /** The handler, or {@code null}. */
        public RouteTarget target() {
            return target;
        }

        /** The {@code Allow} value for a 405, or {@code null}. */
        public String allow() {
            return allow;
        }
    }
}
