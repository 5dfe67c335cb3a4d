package dev.spindle.host.internal.shell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;
import dev.spindle.api.HttpServer.HandlerRegistration;
import dev.spindle.host.internal.http.dispatch.Protocol;

/**
 * The {@code spindle:} commands of the Gogo shell: what the server is doing, read through the
 * {@link HttpServer} service, and deploying handler bundles with the drain made visible.
 */
@Component(service = SpindleCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=handlers",
    "osgi.command.function=routes",
    "osgi.command.function=stats",
    "osgi.command.function=connections",
    "osgi.command.function=config",
    "osgi.command.function=tls",
    "osgi.command.function=deploy",
    "osgi.command.function=undeploy",
    "osgi.command.function=redeploy",
})
public final class SpindleCommands {

    private final HttpServer server;
    private final BundleContext context;

    @Activate
    public SpindleCommands(@Reference(name = "server") HttpServer server, BundleContext context) {
        this.server = server;
        this.context = context;
    }

    // ---------------------------------------------------------------- views

    @Descriptor("handler services: route, state, traffic, latency and exceptions thrown of each")
    public String handlers() {
        Table t = new Table("ID", "BUNDLE", "ROUTE", "METHODS", "RANK", "BLOCKING", "STATE", "IN-FLIGHT", "TOTAL",
                "2XX", "4XX", "5XX", "P50 MS", "P99 MS", "THREW");
        for (HandlerRegistration h : server.handlers()) {
            t.row(h.serviceId(), h.bundleSymbolicName() + " [" + h.bundleId() + "]", h.route() == null ? "-" : h.route(),
                    h.methods().isEmpty() ? "*" : String.join(",", h.methods()), h.ranking(), h.blocking(),
                    state(h), h.inFlight(), h.totalRequests(), h.responses(2), h.responses(4), h.responses(5),
                    millis(h.latencyMillis(50)), millis(h.latencyMillis(99)), thrown(h.exceptions()));
        }
        return t.toString();
    }

    /** {@code IllegalStateException 12345, NullPointerException 2}, by simple class name; {@code -} for none. */
    private static String thrown(java.util.Map<String, Long> exceptions) {
        if (exceptions.isEmpty()) {
            return "-";
        }
        java.util.StringJoiner out = new java.util.StringJoiner(", ");
        exceptions.forEach((type, n) -> out.add(type.substring(type.lastIndexOf('.') + 1) + " " + n));
        return out.toString();
    }

    private static String state(HandlerRegistration h) {
        switch (h.state()) {
            case "ACTIVE":
                return "ACTIVE";
            case "DRAINING":
                return "DRAINING (" + h.inFlight() + " in flight)";
            default:
                return h.state() + " (" + h.reason() + ")";
        }
    }

    private static String millis(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.2f", ms);
    }

    @Descriptor("the routing table in match order: which handler wins each route")
    public String routes() {
        Table t = new Table("ROUTE", "KIND", "METHODS", "SERVICE", "BUNDLE", "WINS");
        for (HandlerRegistration h : server.handlers()) {
            if (h.state().equals("ACTIVE") || h.state().equals("SHADOWED")) {
                t.row(h.route(), h.route().endsWith("/*") ? "prefix" : "exact",
                        h.methods().isEmpty() ? "*" : String.join(",", h.methods()), h.serviceId(),
                        h.bundleSymbolicName(), h.state().equals("ACTIVE") ? "yes" : "no, " + h.reason());
            }
        }
        return t.toString();
    }

    @Descriptor("which handler a path would reach, and why")
    public String routes(@Descriptor("a request path, for example /api/notes/1") String path) {
        return routes("GET", path);
    }

    @Descriptor("which handler a method and path would reach, and why")
    public String routes(@Descriptor("a request method, for example POST") String method,
            @Descriptor("a request path, for example /api/notes/1") String path) {
        HttpServer.RouteMatch m = server.match(method.toUpperCase(Locale.ROOT), path);
        if (m.handler() == null) {
            return method.toUpperCase(Locale.ROOT) + " " + path + " -> " + m.status() + ": " + m.reason() + "\n";
        }
        HandlerRegistration h = m.handler();
        return method.toUpperCase(Locale.ROOT) + " " + path + " -> service " + h.serviceId() + " ("
                + h.bundleSymbolicName() + " [" + h.bundleId() + "]): " + m.reason() + "\n";
    }

    @Descriptor("server traffic: connections, requests and rates, bytes, responses by status class; connections and"
            + " requests by protocol (h1, h1+tls, h2c, h2)")
    public String stats() {
        HttpServer.Stats s = server.stats();
        Table t = new Table("METRIC", "VALUE");
        t.row("transport", server.transport());
        t.row("listening", server.address().getHostString() + ":" + server.address().getPort());
        HttpServer.TlsInfo tls = server.tls();
        t.row("tls", tls == null ? "off" : tls.address().getHostString() + ":" + tls.address().getPort() + ", "
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
            t.row(c.id(), c.remoteAddress() == null ? "-" : c.remoteAddress().getHostString() + ":" + c.remoteAddress().getPort(),
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
        t.row("listening", tls.address().getHostString() + ":" + tls.address().getPort());
        t.row("provider", tls.provider());
        t.row("protocols", String.join(", ", tls.protocols()));
        t.row("alpn", String.join(", ", tls.applicationProtocols()));
        t.row("subject", tls.subject());
        t.row("subject alt names", String.join(", ", tls.subjectAlternativeNames()));
        t.row("serial", tls.serialNumber());
        Duration left = Duration.between(java.time.Instant.now(), tls.notAfter());
        t.row("expires", tls.notAfter() + (left.isNegative() ? " (EXPIRED)" : " (in " + left.toDays() + " days)"));
        t.row("loaded", tls.loadedAt() + " (" + duration(Duration.between(tls.loadedAt(), java.time.Instant.now()))
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

    private static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 120_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return d.toMinutes() + " min";
    }

    // ---------------------------------------------------------------- deployment

    @Descriptor("install and start a handler bundle")
    public String deploy(@Descriptor("a jar file or URL") String location) throws BundleException, IOException {
        long start = System.nanoTime();
        Bundle b;
        try (InputStream in = open(location)) {
            b = context.installBundle(uri(location), in);
        }
        b.start();
        return "Deployed " + describe(b) + " in " + since(start) + "\n";
    }

    @Descriptor("stop routing to a handler bundle, let its requests finish, uninstall it")
    public String undeploy(@Descriptor("bundle id or symbolic name") String bundle) throws BundleException, InterruptedException {
        Bundle b = handlerBundle(bundle);
        String what = describe(b);
        long start = System.nanoTime();
        b.uninstall();
        refresh(b);
        return "Undeployed " + what + "; drained and removed in " + since(start) + "\n";
    }

    @Descriptor("update a handler bundle from where it came from, draining the old version")
    public String redeploy(@Descriptor("bundle id or symbolic name") String bundle)
            throws BundleException, IOException, InterruptedException {
        return redeploy(bundle, null);
    }

    @Descriptor("update a handler bundle from a jar, draining the old version")
    public String redeploy(@Descriptor("bundle id or symbolic name") String bundle,
            @Descriptor("a jar file or URL") String location) throws BundleException, IOException, InterruptedException {
        Bundle b = handlerBundle(bundle);
        String before = describe(b);
        long start = System.nanoTime();
        if (location == null) {
            b.update();
        } else {
            try (InputStream in = open(location)) {
                b.update(in);
            }
        }
        refresh(b);
        return "Redeployed " + before + " as " + describe(b) + "; old version drained and replaced in " + since(start)
                + "\n";
    }

    /**
     * The bundle named, if it is a handler bundle: one that registers a {@code Handler} service, or
     * one that uses the API (imports {@code dev.spindle.api}) without being the API or the host.
     * The framework's bundles are refused: undeploying the host would take every route with it.
     */
    private Bundle handlerBundle(String bundle) {
        Bundle b = find(bundle);
        if (!isHandlerBundle(b)) {
            throw new IllegalArgumentException(describe(b) + " is not a handler bundle: spindle:undeploy and"
                    + " spindle:redeploy take handler bundles only (the container's own bundles are managed with"
                    + " the framework's commands: stop, update, uninstall)");
        }
        return b;
    }

    private boolean isHandlerBundle(Bundle b) {
        if (b.getBundleId() == 0 || b.equals(context.getBundle())) {
            return false;
        }
        ServiceReference<?>[] services = b.getRegisteredServices();
        if (services != null) {
            for (ServiceReference<?> ref : services) {
                Object classes = ref.getProperty(Constants.OBJECTCLASS);
                if (classes instanceof String[] && Arrays.asList((String[]) classes).contains(Handler.class.getName())) {
                    return true;
                }
            }
        }
        return mentionsApi(b.getHeaders().get(Constants.IMPORT_PACKAGE))
                && !mentionsApi(b.getHeaders().get(Constants.EXPORT_PACKAGE));
    }

    private static boolean mentionsApi(String header) {
        return header != null && header.matches("(?s).*(^|,)\\s*dev\\.spindle\\.api\\s*(;|,|$).*");
    }

    private Bundle find(String bundle) {
        for (Bundle b : context.getBundles()) {
            if (bundle.equals(String.valueOf(b.getBundleId())) || bundle.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalArgumentException("No bundle with id or symbolic name " + bundle);
    }

    private void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("refresh of bundle " + b.getBundleId() + " did not finish within 60 s");
        }
    }

    private static String describe(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
    }

    private static String since(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms";
    }

    private static String uri(String location) {
        return location.contains(":") && !location.startsWith("/") ? location : Paths.get(location).toUri().toString();
    }

    private static InputStream open(String location) throws IOException {
        if (location.contains(":") && !location.startsWith("/")) {
            return URI.create(location).toURL().openStream();
        }
        Path p = Paths.get(location);
        return Files.newInputStream(p);
    }
}
