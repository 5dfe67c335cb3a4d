package dev.spindle.host.internal.http;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * For the engine's tests over real sockets ({@code @RegisterExtension}): an {@link HttpEngine} on
 * NIO with one event loop and a small worker pool, one handler on every path, listening on a free
 * loopback port; closed with its workers after each test. A test that closes the engine itself
 * sets {@link #engine} to null.
 */
public final class TestEngine implements AfterEachCallback {

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    /** The engine of the test, once started. */
    public HttpEngine engine;

    public InetSocketAddress start(Handler handler) throws InterruptedException {
        return start(EngineSettings.defaults(), handler);
    }

    public InetSocketAddress start(EngineSettings settings, Handler handler) throws InterruptedException {
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(new RouteTarget(handler, 1, false, false));
        return startRoutes(settings, (m, p) -> found);
    }

    /** The engine on a route table of the test's own. */
    public InetSocketAddress startRoutes(EngineSettings settings, HandlerResolver routes) throws InterruptedException {
        engine = new HttpEngine(settings, routes, workers, "nio", 1);
        return engine.start("127.0.0.1", 0);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (engine != null) {
            engine.close();
            engine = null;
        }
        workers.shutdownNow();
    }
}
