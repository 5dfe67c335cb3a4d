package dev.spindle.host.internal.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.spindle.api.Handler;
import dev.spindle.api.UpgradeHandler;
import dev.spindle.api.WebSocketHandler;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;

/**
 * An immutable snapshot of one {@link Handler}, {@link WebSocketHandler} or {@link UpgradeHandler}
 * service's properties, parsed and validated. An invalid registration keeps the reason instead of
 * throwing: it is shown, never served. A service registered as several kinds is a registration of
 * each, told apart by {@link #key}.
 */
public final class Registration {

    /** Which of the handler interfaces a registration is for; each has a routing table of its own. */
    enum Kind {
        HTTP(""), WEBSOCKET("ws:"), UPGRADE("upgrade:");

        /** What its whiteboard keys (service ids, vacated routes) start with. */
        final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }
    }

    final long serviceId;
    final long bundleId;
    final String bundleSymbolicName;
    final String route;
    final String prefix;
    final List<String> methods;
    final int ranking;
    final boolean blocking;
    final boolean checkContinue;
    final String failure;
    final Kind kind;
    /** A {@link WebSocketHandler}'s registration. */
    final boolean webSocket;
    /** The subprotocols of a WebSocket handler, in its order of preference. */
    final List<String> subprotocols;
    final RouteTarget target;
    /** The routing answer for this handler, shared by every request it serves. */
    final Resolution resolution;

    private Registration(long serviceId, long bundleId, String bsn, String route, String prefix,
            List<String> methods, int ranking, boolean blocking, boolean checkContinue, String failure,
            RouteTarget target, Kind kind, List<String> subprotocols) {
        this.serviceId = serviceId;
        this.bundleId = bundleId;
        this.bundleSymbolicName = bsn;
        this.route = route;
        this.prefix = prefix;
        this.methods = methods;
        this.ranking = ranking;
        this.blocking = blocking;
        this.checkContinue = checkContinue;
        this.failure = failure;
        this.target = target;
        this.kind = kind;
        this.webSocket = kind == Kind.WEBSOCKET;
        this.subprotocols = subprotocols;
        this.resolution = target == null ? null : Resolution.found(target);
    }

    /** {@code stable} as a routing table with a canary holds it: the same, but answering with {@code split}. */
    private Registration(Registration stable, CanarySplit split) {
        this.serviceId = stable.serviceId;
        this.bundleId = stable.bundleId;
        this.bundleSymbolicName = stable.bundleSymbolicName;
        this.route = stable.route;
        this.prefix = stable.prefix;
        this.methods = stable.methods;
        this.ranking = stable.ranking;
        this.blocking = stable.blocking;
        this.checkContinue = stable.checkContinue;
        this.failure = stable.failure;
        this.target = stable.target;
        this.kind = stable.kind;
        this.webSocket = stable.webSocket;
        this.subprotocols = stable.subprotocols;
        this.resolution = split.resolution;
    }

    /** This registration routing its requests through {@code split} (it is the split's stable version). */
    Registration splitBy(CanarySplit split) {
        return new Registration(this, split);
    }

    /** What every kind of registration reads first: the service's id, ranking and route, and its bundle. */
    private record Service(long id, int ranking, String route, long bundleId, String bsn) {

        static Service of(Map<String, ?> props, long bundleId, String bsn) {
            Object ranking = props.get("service.ranking");
            Object route = props.get(Handler.ROUTE);
            return new Service(((Number) props.get("service.id")).longValue(),
                    ranking instanceof Integer ? (Integer) ranking : 0, route == null ? null : route.toString(), bundleId, bsn);
        }

        Registration served(String prefix, List<String> methods, boolean blocking, boolean checkContinue,
                RouteTarget target, Kind kind, List<String> subprotocols) {
            return new Registration(id, bundleId, bsn, route, prefix, methods, ranking, blocking, checkContinue, null,
                    target, kind, subprotocols);
        }

        Registration failed(IllegalArgumentException why, List<String> methods, Kind kind) {
            return new Registration(id, bundleId, bsn, route, null, methods, ranking, false, false, why.getMessage(),
                    null, kind, List.of());
        }
    }

    /** Parses the service properties of {@code handler}; never throws. */
    public static Registration of(Handler handler, Map<String, ?> props, long bundleId, String bsn) {
        Service s = Service.of(props, bundleId, bsn);
        try {
            String prefix = parsePrefix(s.route());
            List<String> methods = parseMethods(props.get(Handler.METHODS));
            boolean blocking = parseBoolean(Handler.BLOCKING, props.get(Handler.BLOCKING));
            boolean checkContinue = parseBoolean(Handler.CHECK_CONTINUE, props.get(Handler.CHECK_CONTINUE));
            RouteTarget target = new RouteTarget(handler, s.id(), blocking, checkContinue, prefix);
            return s.served(prefix, methods, blocking, checkContinue, target, Kind.HTTP, List.of());
        } catch (IllegalArgumentException e) {
            return s.failed(e, List.of(), Kind.HTTP);
        }
    }

    /** Parses the service properties of a WebSocket {@code handler}; never throws. */
    public static Registration ofWebSocket(WebSocketHandler handler, Map<String, ?> props, long bundleId, String bsn) {
        Service s = Service.of(props, bundleId, bsn);
        try {
            String prefix = parsePrefix(s.route());
            List<String> subprotocols = parseTokens(WebSocketHandler.SUBPROTOCOLS, props.get(WebSocketHandler.SUBPROTOCOLS),
                    false, Registration::tokenChar, "token");
            RouteTarget target = new RouteTarget(handler, subprotocols, s.id(), prefix);
            return s.served(prefix, List.of("GET"), false, false, target, Kind.WEBSOCKET, subprotocols);
        } catch (IllegalArgumentException e) {
            return s.failed(e, List.of("GET"), Kind.WEBSOCKET);
        }
    }

    /**
     * Parses the service properties of an upgrade {@code handler}; never throws. Its protocols
     * are kept upper-cased in {@code methods}: its routing table matches them as methods.
     */
    public static Registration ofUpgrade(UpgradeHandler handler, Map<String, ?> props, long bundleId, String bsn) {
        Service s = Service.of(props, bundleId, bsn);
        try {
            String prefix = parsePrefix(s.route());
            List<String> tokens = new ArrayList<>();
            for (String t : parseTokens(UpgradeHandler.PROTOCOLS, props.get(UpgradeHandler.PROTOCOLS), false,
                    c -> c == '/' || tokenChar(c), "protocol")) {
                String upper = t.toUpperCase(Locale.ROOT);
                if (upper.equals("WEBSOCKET") || upper.equals("H2C")) {
                    throw new IllegalArgumentException(UpgradeHandler.PROTOCOLS + " may not take " + t + ": the host's");
                }
                tokens.add(upper);
            }
            if (tokens.isEmpty()) {
                throw new IllegalArgumentException(UpgradeHandler.PROTOCOLS + " is missing");
            }
            RouteTarget target = new RouteTarget(handler, s.id(), prefix);
            return s.served(prefix, List.copyOf(tokens), false, false, target, Kind.UPGRADE, List.of());
        } catch (IllegalArgumentException e) {
            return s.failed(e, List.of(), Kind.UPGRADE);
        }
    }

    /**
     * The whiteboard's key: the {@code service.id} after its kind's prefix, so that one service
     * registered as several kinds is an entry of each.
     */
    String key() {
        return kind.prefix + serviceId;
    }

    /** The prefix of a {@code /x/*} route, {@code null} for an exact route. */
    private static String parsePrefix(String route) {
        if (route == null || route.isEmpty()) {
            throw new IllegalArgumentException(Handler.ROUTE + " is missing");
        }
        if (!route.startsWith("/")) {
            throw new IllegalArgumentException(Handler.ROUTE + " must start with '/': " + route);
        }
        if (route.indexOf('?') >= 0 || route.indexOf('#') >= 0 || route.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
            throw new IllegalArgumentException(Handler.ROUTE + " must be a plain path: " + route);
        }
        int star = route.indexOf('*');
        if (star < 0) {
            return null;
        }
        if (star != route.length() - 1 || !route.endsWith("/*")) {
            throw new IllegalArgumentException(Handler.ROUTE + " may only end in '/*': " + route);
        }
        return route.substring(0, route.length() - 2);
    }

    private static List<String> parseMethods(Object value) {
        return parseTokens(Handler.METHODS, value, true, c -> c >= 'A' && c <= 'Z' || c == '-' || c == '_', "method");
    }

    /**
     * A list property: a string, strings, or a comma-separated string, each item made of
     * {@code allowed} characters ({@code what} names an item in the reason of a refusal);
     * upper-cased first for methods.
     */
    private static List<String> parseTokens(String name, Object value, boolean asMethods, java.util.function.IntPredicate allowed,
            String what) {
        if (value == null) {
            return List.of();
        }
        Collection<?> items;
        if (value instanceof String) {
            items = Arrays.asList(((String) value).split(","));
        } else if (value instanceof String[]) {
            items = Arrays.asList((String[]) value);
        } else if (value instanceof Collection) {
            items = (Collection<?>) value;
        } else {
            throw new IllegalArgumentException(name + " must be a string or strings, not " + value.getClass().getSimpleName());
        }
        List<String> tokens = new ArrayList<>();
        for (Object item : items) {
            String m = String.valueOf(item).trim();
            if (asMethods) {
                m = m.toUpperCase(Locale.ROOT);
            }
            if (m.isEmpty() || !m.chars().allMatch(allowed)) {
                throw new IllegalArgumentException(name + " has an invalid " + what + ": '" + item + "'");
            }
            if (!tokens.contains(m)) {
                tokens.add(m);
            }
        }
        return List.copyOf(tokens);
    }

    /** An RFC 9110 token character. */
    private static boolean tokenChar(int c) {
        return c > ' ' && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    private static boolean parseBoolean(String name, Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        String s = value.toString().trim();
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(name + " must be true or false, not '" + value + "'");
    }

    boolean valid() {
        return failure == null;
    }

    boolean accepts(String method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /** Whether a request path falls under this route (no allocation: routing calls this per request). */
    boolean matches(String path) {
        if (prefix == null) {
            return route.equals(path);
        }
        int n = prefix.length();
        return path.startsWith(prefix) && (path.length() == n || path.charAt(n) == '/' || n == 0);
    }

    /** Whether a request path falls under a valid route: {@code /x} exactly, {@code /x/*} as a prefix. */
    static boolean matches(String route, String path) {
        if (!route.endsWith("/*")) {
            return route.equals(path);
        }
        int n = route.length() - 2;
        return path.startsWith(route.substring(0, n)) && (path.length() == n || path.charAt(n) == '/' || n == 0);
    }
}
