package dev.spindle.samples.events;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Server-sent events: a response that never ends by itself. It ticks once a second until the
 * client goes away; {@code onClose} (the connection ended before the response did) stops the
 * timer, and {@code onDone} logs why the exchange ended. The component owns its timer thread and
 * stops it in {@code @Deactivate}, which the host calls only after running streams have drained.
 *
 * <pre>
 * $ curl -sN localhost:8080/events
 * data: tick 1
 *
 * data: tick 2
 * ...
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/events",
    Handler.METHODS + "=GET",
})
public final class EventsHandler implements Handler {

    private static final Logger LOG = LoggerFactory.getLogger(EventsHandler.class);
    private ScheduledExecutorService timer;

    @Activate
    void activate() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "events-timer");
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
        res.writeHead(200, java.util.Map.of("Content-Type", "text/event-stream"));
        res.write(": connected\n\n");
        AtomicInteger ticks = new AtomicInteger();
        ScheduledFuture<?> ticking = timer.scheduleAtFixedRate(
                () -> res.write("data: tick " + ticks.incrementAndGet() + "\n\n"), 1, 1, TimeUnit.SECONDS);
        res.onClose(() -> ticking.cancel(false));
        res.onDone(outcome -> LOG.info("event stream to {} ended after {} tick(s): {}", req.remoteAddress(),
                ticks.get(), outcome));
    }
}
