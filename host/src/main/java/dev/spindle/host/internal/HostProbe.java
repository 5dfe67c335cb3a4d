package dev.spindle.host.internal;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.admin.ServerProbe;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.router.DeployEvents;
import dev.spindle.host.internal.router.RouteTarget;
import dev.spindle.host.internal.router.Whiteboard;

/**
 * Beside the data path: the {@link SpindleHost}'s state as the admin listener reads it (health,
 * metrics), registered as a {@link ServerProbe} service of the host bundle while the host runs.
 */
public final class HostProbe implements ServerProbe {

    private final Supplier<HttpEngine> engine;
    private final BooleanSupplier stopping;
    private final Whiteboard whiteboard;
    private final IntSupplier workersWaiting;

    public HostProbe(Supplier<HttpEngine> engine, BooleanSupplier stopping, Whiteboard whiteboard, IntSupplier workersWaiting) {
        this.engine = engine;
        this.stopping = stopping;
        this.whiteboard = whiteboard;
        this.workersWaiting = workersWaiting;
    }

    @Override
    public HttpEngine engine() {
        return engine.get();
    }

    @Override
    public boolean stopping() {
        return stopping.getAsBoolean();
    }

    @Override
    public List<String> vacantRoutes() {
        return whiteboard.vacantRoutes();
    }

    @Override
    public List<HttpServer.HandlerRegistration> handlers() {
        return whiteboard.describe();
    }

    @Override
    public Map<Long, RouteTarget> targets() {
        return whiteboard.targets();
    }

    @Override
    public DeployEvents events() {
        return whiteboard.events();
    }

    @Override
    public int workersWaiting() {
        return workersWaiting.getAsInt();
    }
}
