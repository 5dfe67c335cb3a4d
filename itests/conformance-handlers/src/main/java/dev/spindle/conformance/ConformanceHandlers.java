package dev.spindle.conformance;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Serves every scenario under {@code /conformance/*}, as {@code node-reference.js} does with its
 * {@code 'request'} listener. Owns the timers the scenarios use in place of Node's
 * {@code setTimeout}.
 */
@Component(service = {Handler.class, ConformanceHandlers.class}, property = Handler.ROUTE + "=/conformance/*")
public final class ConformanceHandlers implements Handler {

    private ScheduledExecutorService timers;
    private Scenarios scenarios;

    @Activate
    void activate() {
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conformance-timers");
            t.setDaemon(true);
            return t;
        });
        scenarios = new Scenarios(timers);
    }

    @Deactivate
    void deactivate() {
        timers.shutdownNow();
    }

    Scenarios scenarios() {
        return scenarios;
    }

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        scenarios.request(req, res);
    }
}
