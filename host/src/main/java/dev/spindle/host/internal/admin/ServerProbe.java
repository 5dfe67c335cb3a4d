package dev.spindle.host.internal.admin;

import java.util.List;
import java.util.Map;

import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.router.DeployEvents;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * Beside the data path: what the admin listener reads of the running server, at the moment it is
 * asked (a health check, a scrape); nothing here is called on the request path. The host
 * registers one as a service of its bundle while it runs.
 */
public interface ServerProbe {

    /** The engine serving now; null when none serves (not started, or stopped). */
    HttpEngine engine();

    /** Whether the server has begun to stop (draining its connections). */
    boolean stopping();

    /** Routes that lost their handler and whose requests wait for a replacement (within the grace). */
    List<String> vacantRoutes();

    /** The registered handlers with their counters, as the shell shows them. */
    List<HttpServer.HandlerRegistration> handlers();

    /** The routing targets by handler service id, for their latency histograms. */
    Map<Long, RouteTarget> targets();

    /** What happened to handler registrations since the server started. */
    DeployEvents events();

    /** Blocking requests waiting for a worker thread. */
    int workersWaiting();
}
