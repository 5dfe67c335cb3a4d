package dev.spindle.host.internal.shell;

import java.lang.reflect.Method;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.spindle.api.HttpServer;
import dev.spindle.api.HttpServer.HandlerRegistration;
import dev.spindle.host.internal.http.dispatch.Protocol;

/**
 * The {@code spindle:} view commands of the Gogo shell: what the server is doing, read through
 * the {@link HttpServer} service ({@link DeployCommands} deploys). {@code spindle} alone, and
 * {@code help spindle}, describe every command of the scope. Each command also takes any other
 * arguments, to answer them with its usage instead of Gogo's coercion error.
 */
@Component(service = SpindleCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=spindle",
    "osgi.command.function=handlers",
    "osgi.command.function=routes",
    "osgi.command.function=stats",
    "osgi.command.function=connections",
    "osgi.command.function=config",
    "osgi.command.function=tls",
})
public final class SpindleCommands {

    static final String OVERVIEW = "Spindle's commands, scope spindle: handlers, routes, stats, connections, sockets, tls,"
            + " config, deploy, undeploy, redeploy, canary, promote, rollback; 'spindle' prints what each does, 'help spindle:<command>' its"
            + " arguments";
    private static final String HANDLERS = "handler services sorted by route: bundle, methods, ranking, state"
            + " (ACTIVE, SHADOWED, CANARY, DRAINING, FAILED; WHY says by whom or why), requests in flight and in all"
            + " (for a WebSocket handler, METHODS WEBSOCKET: sockets open and accepted),"
            + " responses by class, p50/p99 latency over the last minute, exceptions thrown; then the handler"
            + " bundles that did not resolve, with what they miss";
    private static final String PATH = "a request path, for example /api/notes/1";
    private static final String METHOD = "a request method, for example POST";
    private static final String OTHER = DeployCommands.OTHER;
    private static final Map<String, String> PLACEHOLDERS = Map.of(PATH, "<path>", METHOD, "<method>",
            DeployCommands.JAR, "<jar|url>", DeployCommands.BUNDLE, "<id|name>", CanaryCommands.PERCENT, "<percent>",
            CanaryCommands.ROUTE, "<route|name>");

    private final HttpServer server;
    /** Null without a framework (a unit test of the views). */
    private final HandlerBundles bundles;

    @Activate
    public SpindleCommands(@Reference(name = "server") HttpServer server, BundleContext context) {
        this.server = server;
        this.bundles = context == null ? null : new HandlerBundles(context);
    }

    @Descriptor(OVERVIEW)
    public String spindle() {
        Table t = new Table("COMMAND", "WHAT IT DOES");
        for (Class<?> c : List.of(SpindleCommands.class, SocketCommands.class, DeployCommands.class,
                CanaryCommands.class)) {
            List<Method> methods = new ArrayList<>(List.of(c.getMethods()));
            methods.sort(Comparator.comparing(Method::getName).thenComparing(Method::getParameterCount));
            for (Method m : methods) {
                Descriptor d = m.getAnnotation(Descriptor.class);
                if (d != null && !m.getName().equals("spindle") && !m.isVarArgs()) {
                    t.row(synopsis(m), d.value());
                }
            }
        }
        return t.toString();
    }

    /** {@code spindle:routes <method> <path>}, from the descriptions of the method's parameters. */
    private static String synopsis(Method m) {
        StringJoiner s = new StringJoiner(" ");
        s.add("spindle:" + m.getName());
        boolean options = false;
        for (java.lang.annotation.Annotation[] annotations : m.getParameterAnnotations()) {
            if (java.util.Arrays.stream(annotations).anyMatch(a -> a instanceof org.apache.felix.service.command.Parameter)) {
                if (!options) {
                    s.add("[options]");
                    options = true;
                }
                continue;
            }
            for (java.lang.annotation.Annotation a : annotations) {
                if (a instanceof Descriptor) {
                    s.add(PLACEHOLDERS.getOrDefault(((Descriptor) a).value(), "<arg>"));
                }
            }
        }
        return s.toString();
    }

    @Descriptor(OTHER)
    public String spindle(String... arguments) {
        if (arguments.length == 0) {
            return spindle();
        }
        throw Usage.wrong("spindle", "no arguments", arguments);
    }

    // ---------------------------------------------------------------- views

    @Descriptor(HANDLERS)
    public String handlers() {
        Table t = new Table("ID", "BUNDLE", "ROUTE", "METHODS", "RANK", "BLOCKING", "STATE", "IN-FLIGHT", "TOTAL",
                "2XX", "4XX", "5XX", "P50 MS", "P99 MS", "THREW", "WHY");
        List<HandlerRegistration> all = new ArrayList<>(server.handlers());
        all.sort(Comparator.comparing((HandlerRegistration h) -> h.route() == null ? "\uffff" : h.route()));
        for (HandlerRegistration h : all) {
            t.row(h.serviceId(), h.bundleSymbolicName() + " [" + h.bundleId() + "]", h.route() == null ? "-" : h.route(),
                    h.webSocket() ? "WEBSOCKET" : h.methods().isEmpty() ? "*" : String.join(",", h.methods()), h.ranking(), h.blocking(),
                    h.state(), h.inFlight(), h.totalRequests(), h.responses(2), h.responses(4), h.responses(5),
                    millis(h.latencyMillis(50)), millis(h.latencyMillis(99)), thrown(h.exceptions()), why(h));
        }
        List<Bundle> unresolved = bundles == null ? List.of() : bundles.unresolved();
        if (unresolved.isEmpty()) {
            return t.toString();
        }
        Table u = new Table("BUNDLE", "JAR", "MISSING");
        for (Bundle b : unresolved) {
            u.row(HandlerBundles.describe(b), bundles.watchedJar(b).map(Object::toString).orElse(b.getLocation()),
                    bundles.missing(b));
        }
        return t + "\nDid not resolve (no handler services until they do):\n" + u;
    }

    @Descriptor(OTHER)
    public String handlers(String... arguments) {
        if (arguments.length == 0) {
            return handlers();
        }
        throw Usage.wrong("spindle:handlers", "no arguments", arguments);
    }

    /** {@code IllegalStateException 12345, NullPointerException 2}, by simple class name; {@code -} for none. */
    private static String thrown(Map<String, Long> exceptions) {
        if (exceptions.isEmpty()) {
            return "-";
        }
        StringJoiner out = new StringJoiner(", ");
        exceptions.forEach((type, n) -> out.add(type.substring(type.lastIndexOf('.') + 1) + " " + n));
        return out.toString();
    }

    /** Beside the state, without repeating it: {@code by service 23}, {@code 2 in flight}, a failure's reason. */
    private static String why(HandlerRegistration h) {
        switch (h.state()) {
            case "ACTIVE":
                return "";
            case "DRAINING":
                return h.inFlight() + " in flight";
            default:
                String reason = h.reason() == null ? "" : h.reason();
                String word = h.state().toLowerCase(Locale.ROOT) + " ";
                return reason.startsWith(word) ? reason.substring(word.length()) : reason;
        }
    }

    private static String millis(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.2f", ms);
    }

    @Descriptor("the routing table sorted by route: kind, methods, the service and bundle behind each, and whether it"
            + " wins the route (or which service does)")
    public String routes() {
        Table t = new Table("ROUTE", "KIND", "METHODS", "SERVICE", "BUNDLE", "WINS");
        List<HandlerRegistration> live = new ArrayList<>();
        for (HandlerRegistration h : server.handlers()) {
            if (h.state().equals("ACTIVE") || h.state().equals("SHADOWED")) {
                live.add(h); // in match order: the sort below keeps it within a route
            }
        }
        live.sort(Comparator.comparing(HandlerRegistration::route));
        for (HandlerRegistration h : live) {
            t.row(h.route(), h.route().endsWith("/*") ? "prefix" : "exact",
                    h.methods().isEmpty() ? "*" : String.join(",", h.methods()), h.serviceId(),
                    h.bundleSymbolicName() + " [" + h.bundleId() + "]",
                    h.state().equals("ACTIVE") ? "yes" : "no, " + why(h).replace("by service", "service") + " does");
        }
        return t.toString();
    }

    @Descriptor("which handler a GET of a path would reach, and why; a registration for it that FAILED is named")
    public String routes(@Descriptor(PATH) String path) {
        return routes("GET", path);
    }

    @Descriptor("which handler a method and path would reach, and why; a registration for it that FAILED is named")
    public String routes(@Descriptor(METHOD) String method,
            @Descriptor(PATH) String path) {
        if (!path.startsWith("/")) {
            throw Usage.wrong("spindle:routes", "a request path starting with '/'", new Object[] {path});
        }
        String m = method.toUpperCase(Locale.ROOT);
        HttpServer.RouteMatch match = server.match(m, path);
        if (match.handler() == null) {
            return m + " " + path + " -> " + match.status() + ": " + match.reason() + failedFor(path) + "\n";
        }
        HandlerRegistration h = match.handler();
        return m + " " + path + " -> service " + h.serviceId() + " (" + h.bundleSymbolicName() + " [" + h.bundleId()
                + "]): " + match.reason() + "\n";
    }

    @Descriptor(OTHER)
    public String routes(String... arguments) {
        switch (arguments.length) {
            case 0:
                return routes();
            case 1:
                return routes(arguments[0]);
            case 2:
                return routes(arguments[0], arguments[1]);
            default:
                throw Usage.wrong("spindle:routes", "nothing, a path, or a method and a path", arguments);
        }
    }

    /** {@code ; service 48 (bundle [25]) was registered for it but FAILED: reason}, for each such registration. */
    private String failedFor(String path) {
        String p = path.indexOf('?') < 0 ? path : path.substring(0, path.indexOf('?'));
        StringBuilder out = new StringBuilder();
        for (HandlerRegistration h : server.handlers()) {
            if (h.state().equals("FAILED") && h.route() != null && meant(h.route(), p)) {
                out.append("; service ").append(h.serviceId()).append(" (").append(h.bundleSymbolicName()).append(" [")
                        .append(h.bundleId()).append("]) has route ").append(h.route()).append(" but FAILED: ")
                        .append(h.reason());
            }
        }
        return out.toString();
    }

    /** Whether an invalid route was meant for {@code path}: {@code hello} or {@code /api*} for {@code /api/x}. */
    private static boolean meant(String route, String path) {
        String r = route.startsWith("/") ? route : "/" + route;
        int cut = r.indexOf('*');
        if (cut < 0) {
            return r.equals(path);
        }
        String prefix = r.substring(0, cut);
        prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return path.startsWith(prefix);
    }

    @Descriptor("server traffic: connections, requests and rates, bytes, responses by status class; connections and"
            + " requests by protocol (h1, h1+tls, h2c, h2)")
    public String stats() {
        HttpServer.Stats s = server.stats();
        Table t = new Table("METRIC", "VALUE");
        t.row("transport", server.transport());
        t.row("listening", listening(server.address()));
        HttpServer.TlsInfo tls = server.tls();
        t.row("tls", tls == null ? "off" : listening(tls.address()) + ", "
                + tls.provider());
        t.row("uptime", duration(s.uptime()));
        t.row("open connections", server.openConnections());
        t.row("connections accepted", s.totalConnections());
        t.row("requests", s.totalRequests());
        t.row("requests/s (1 s, 10 s, 60 s)", String.format(Locale.ROOT, "%.1f, %.1f, %.1f",
                s.requestsPerSecond(1), s.requestsPerSecond(10), s.requestsPerSecond(60)));
        t.row("bytes in", s.bytesIn());
        t.row("bytes out", s.bytesOut());
        t.row("responses 1xx/2xx/3xx/4xx/5xx", s.responses(1) + "/" + s.responses(2) + "/" + s.responses(3) + "/"
                + s.responses(4) + "/" + s.responses(5));
        if (!(s instanceof ProtocolStats)) {
            return t.toString();
        }
        ProtocolStats by = (ProtocolStats) s;
        Table protocols = new Table("PROTOCOL", "CONNECTIONS", "REQUESTS");
        for (Protocol p : Protocol.values()) {
            protocols.row(p.label(), by.connections(p), by.requests(p));
        }
        return t + "\n" + protocols;
    }

    @Descriptor("open connections: client, age, requests served, idle time, state, protocol, open HTTP/2 streams")
    public String connections() {
        Table t = new Table("ID", "REMOTE", "AGE", "REQUESTS", "IDLE", "STATE", "PROTOCOL", "STREAMS");
        for (HttpServer.ConnectionInfo c : server.connections()) {
            t.row(c.id(), c.remoteAddress() == null ? "-" : address(c.remoteAddress()),
                    duration(c.age()), c.requests(), duration(c.idle()), c.state(), c.protocol(), c.openStreams());
        }
        return t.toString();
    }

    @Descriptor("the TLS listener: provider, protocols, and the certificate new handshakes get")
    public String tls() {
        HttpServer.TlsInfo tls = server.tls();
        if (tls == null) {
            return "TLS is off (set tlsPort, certificateFile and privateKeyFile in dev.spindle.host)\n";
        }
        Table t = new Table("TLS", "VALUE");
        t.row("listening", listening(tls.address()));
        t.row("provider", tls.provider());
        t.row("protocols", String.join(", ", tls.protocols()));
        t.row("alpn", String.join(", ", tls.applicationProtocols()));
        t.row("subject", tls.subject());
        t.row("subject alt names", String.join(", ", tls.subjectAlternativeNames()));
        t.row("serial", tls.serialNumber());
        Duration left = Duration.between(Instant.now(), tls.notAfter());
        t.row("expires", tls.notAfter() + (left.isNegative() ? " (EXPIRED)" : " (in " + left.toDays() + " days)"));
        t.row("loaded", tls.loadedAt() + " (" + duration(Duration.between(tls.loadedAt(), Instant.now()))
                + " ago)");
        return t.toString();
    }

    @Descriptor("the effective host configuration and where each value came from")
    public String config() {
        Table t = new Table("KEY", "VALUE", "SOURCE");
        for (HttpServer.Setting s : server.configuration()) {
            t.row(s.key(), s.value(), s.source());
        }
        return t.toString();
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 120_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return d.toMinutes() + " min";
    }


    @Descriptor(OTHER)
    public String stats(String... arguments) {
        if (arguments.length == 0) {
            return stats();
        }
        throw Usage.wrong("spindle:stats", "no arguments", arguments);
    }

    @Descriptor(OTHER)
    public String connections(String... arguments) {
        if (arguments.length == 0) {
            return connections();
        }
        throw Usage.wrong("spindle:connections", "no arguments", arguments);
    }

    @Descriptor(OTHER)
    public String tls(String... arguments) {
        if (arguments.length == 0) {
            return tls();
        }
        throw Usage.wrong("spindle:tls", "no arguments", arguments);
    }

    @Descriptor(OTHER)
    public String config(String... arguments) {
        if (arguments.length == 0) {
            return config();
        }
        throw Usage.wrong("spindle:config", "no arguments", arguments);
    }

    /**
     * A listening address as the log writes it ({@code Spindle listening on 0.0.0.0:8080}): the
     * configured {@code bindAddress} with the bound port.
     */
    private String listening(InetSocketAddress bound) {
        for (HttpServer.Setting s : server.configuration()) {
            if (s.key().equals("bindAddress")) {
                return s.value().split(" ")[0] + ":" + bound.getPort();
            }
        }
        return address(bound);
    }

    /** {@code 127.0.0.1:40312}, {@code [::1]:40312}. */
    static String address(InetSocketAddress a) {
        String host = a.getHostString();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
