package dev.spindle.swap;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Answers with the version of the bundle that answered: {@code GET /swap} gives
 * {@code version=<Bundle-Version>}; {@code GET /swap/stream?n=N} streams N lines, one every
 * 100 ms, from a timer this component owns and stops when it is deactivated (so a stream that
 * outlived its handler would be cut short). {@link SwapSocket} does the same for WebSockets.
 * A {@code Swap-Status} manifest header makes {@code GET /swap} answer with that status instead of
 * 200 (a broken version, for the fleet's rollback on 5xx). A jar whose manifest says
 * {@code Swap-Fail-Every: N} answers every N-th {@code /swap} request with a 500 instead (a bad
 * release, for the canary tests).
 */
@Component(property = Handler.ROUTE + "=/swap/*")
public final class SwapHandler implements Handler {

    private String version;
    private int status;
    private ScheduledExecutorService timer;
    private int failEvery;
    private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();

    @Activate
    void activate(BundleContext context) {
        version = context.getBundle().getVersion().toString();
        String header = context.getBundle().getHeaders().get("Swap-Status");
        status = header == null ? 200 : Integer.parseInt(header.trim());
        String fail = context.getBundle().getHeaders().get("Swap-Fail-Every");
        failEvery = fail == null ? 0 : Integer.parseInt(fail.trim());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swap-timer-" + version);
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        res.setHeader("Content-Type", "text/plain");
        if (!req.path().equals("/swap/stream")) {
            if (failEvery > 0 && served.incrementAndGet() % failEvery == 0) {
                res.statusCode(500);
                res.end("failed in " + version);
                return;
            }
            res.statusCode(status).end("version=" + version);
            return;
        }
        int n = Integer.parseInt(req.url().replaceAll(".*[?&]n=(\\d+).*", "$1"));
        int[] sent = {0};
        AtomicReference<ScheduledFuture<?>> ticks = new AtomicReference<>();
        ticks.set(timer.scheduleAtFixedRate(() -> {
            if (sent[0] < n) {
                res.write("line " + ++sent[0] + " of " + n + " from " + version + "\n");
            } else {
                res.end();
                ticks.get().cancel(false);
            }
        }, 100, 100, TimeUnit.MILLISECONDS));
    }
}
