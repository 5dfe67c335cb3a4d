package dev.spindle.testkit;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.Registration;

/**
 * Data path: a test's HTTP client, then this server's socket, then the host's own engine and
 * router, then the handlers under test. The engine and the routing table are the container's
 * (HTTP/1.1 and h2c, Node's framing, the routing rules of {@code spindle.route},
 * {@code spindle.methods}, {@code service.ranking}); only OSGi is left out: handlers are given
 * here with their service properties instead of being registered as services.
 *
 * <pre>{@code
 * try (SpindleTestServer server = SpindleTestServer.serve("/greet/*", new GreetHandler())) {
 *     HttpResponse<String> res = HttpClient.newHttpClient().send(
 *             HttpRequest.newBuilder(server.uri("/greet/Zo%C3%AB")).build(), BodyHandlers.ofString());
 * }
 * }</pre>
 *
 * It listens on a free port of 127.0.0.1 with the host's default limits and timeouts, and
 * {@link #close()} stops it at once.
 */
public final class SpindleTestServer implements AutoCloseable {

    private final HttpEngine engine;
    private final ExecutorService workers;
    private final InetSocketAddress address;

    private SpindleTestServer(HttpEngine engine, ExecutorService workers, InetSocketAddress address) {
        this.engine = engine;
        this.workers = workers;
        this.address = address;
    }

    /** Starts a server with one handler on {@code route} ({@code /hello} exact, {@code /api/*} a prefix). */
    public static SpindleTestServer serve(String route, Handler handler) {
        return builder().handler(route, handler).start();
    }

    /** A server with several handlers, each with its service properties. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** The port it listens on. */
    public int port() {
        return address.getPort();
    }

    /** {@code http://127.0.0.1:port} followed by {@code pathAndQuery}, taken as it is (already encoded). */
    public URI uri(String pathAndQuery) {
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("pathAndQuery must start with '/': " + pathAndQuery);
        }
        return URI.create("http://" + address.getHostString() + ":" + address.getPort() + pathAndQuery);
    }

    /** Requests served so far. */
    public long totalRequests() {
        return engine.totalRequests();
    }

    /** Stops listening and closes every connection at once, ending the requests in progress. */
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            workers.shutdownNow();
        }
    }

    /** Collects handlers and their service properties, then starts the server. */
    public static final class Builder {
        private final List<Registration> registrations = new ArrayList<>();
        private final AtomicInteger workerThreads = new AtomicInteger();

        private Builder() {
        }

        /** Adds {@code handler} on {@code route}, with no other property. */
        public Builder handler(String route, Handler handler) {
            return handler(handler, Map.of(Handler.ROUTE, route));
        }

        /**
         * Adds {@code handler} with its service properties, as its {@code @Component} would give
         * them: {@link Handler#ROUTE} (required), {@link Handler#METHODS}, {@link Handler#BLOCKING},
         * {@link Handler#CHECK_CONTINUE}, {@code service.ranking}. Handlers get service ids 1, 2, ...
         * in the order added (the lower id wins a tie in ranking, as in the container).
         *
         * @throws IllegalArgumentException if the properties are invalid, with the reason the
         *         container would list for the registration
         */
        public Builder handler(Handler handler, Map<String, ?> properties) {
            Map<String, Object> props = new HashMap<>(properties);
            props.put("service.id", (long) registrations.size() + 1);
            Registration r = Registration.of(handler, props, 0, "spindle-testkit");
            HandlerResolver.of(List.of(r)); // refuses an invalid one now, with its reason
            registrations.add(r);
            return this;
        }

        /** Starts the engine on a free port of 127.0.0.1; handlers marked blocking run on a worker pool of its own. */
        public SpindleTestServer start() {
            HandlerResolver routes = HandlerResolver.of(registrations);
            ExecutorService workers = Executors.newCachedThreadPool(task -> {
                Thread t = new Thread(task, "spindle-testkit-worker-" + workerThreads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            HttpEngine engine = new HttpEngine(EngineSettings.defaults(), routes, workers, "nio", 1);
            try {
                return new SpindleTestServer(engine, workers, engine.start("127.0.0.1", 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                engine.close();
                workers.shutdownNow();
                throw new IllegalStateException("interrupted while binding", e);
            } catch (RuntimeException e) {
                engine.close();
                workers.shutdownNow();
                throw e;
            }
        }
    }
}
