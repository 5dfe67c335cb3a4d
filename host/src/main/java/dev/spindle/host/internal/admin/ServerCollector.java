package dev.spindle.host.internal.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import dev.spindle.api.HttpServer;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.dispatch.EngineStats;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.router.DeployEvents;
import dev.spindle.host.internal.router.LatencyWindow;
import dev.spindle.host.internal.router.RequestMethod;
import dev.spindle.host.internal.router.RouteTarget;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Beside the data path, read at each scrape: the server's metrics as Prometheus snapshots, taken
 * from the counters the engine keeps anyway for the shell ({@link EngineStats}, each handler's
 * {@link RouteTarget}: requests, responses by method and status class, latency buckets,
 * exceptions) and from the worker pool. Nothing is recorded for the metrics alone. With no server running, only the JVM's metrics
 * are there.
 */
final class ServerCollector implements MultiCollector {

    /** The latency buckets exposed: one per power of two, 16 µs to 17 s (see {@link LatencyWindow}). */
    private static final int[] BUCKETS = buckets(3, 23);

    private final Supplier<ServerProbe> probe;
    private final LongFunction<String> bundleVersion;

    /** @param bundleVersion the version of the bundle with an id ("" if gone) */
    ServerCollector(Supplier<ServerProbe> probe, LongFunction<String> bundleVersion) {
        this.probe = probe;
        this.bundleVersion = bundleVersion;
    }

    /** The window's buckets 4(L-1)+3 for L in [from, to]: those whose upper bound is 2^(L+1) units. */
    private static int[] buckets(int from, int to) {
        int[] b = new int[to - from + 1];
        for (int l = from; l <= to; l++) {
            b[l - from] = 4 * (l - 1) + 3;
        }
        return b;
    }

    @Override
    public MetricSnapshots collect() {
        ServerProbe p = probe.get();
        HttpEngine engine = p == null ? null : p.engine();
        if (engine == null) {
            return MetricSnapshots.of();
        }
        List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out = new ArrayList<>();
        server(engine, out);
        handlers(p, out);
        deploys(p.events(), out);
        out.add(gauge("spindle_worker_queue", "Blocking requests waiting for a worker thread",
                GaugeDataPointSnapshot.builder().value(p.workersWaiting()).build()));
        return new MetricSnapshots(out);
    }

    private static void server(HttpEngine engine, List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out) {
        EngineStats s = engine.stats();
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("spindle_http_requests")
                .help("Requests received, by protocol (refused ones included)");
        CounterSnapshot.Builder connections = CounterSnapshot.builder().name("spindle_connections_opened")
                .help("Connections accepted, by the protocol they speak (a cleartext one upgraded to h2c counts as h2c)");
        for (Protocol protocol : Protocol.values()) {
            Labels l = Labels.of("protocol", protocol.label());
            requests.dataPoint(counter(s.requests(protocol), l));
            connections.dataPoint(counter(s.connections(protocol), l));
        }
        out.add(requests.build());
        out.add(connections.build());
        CounterSnapshot.Builder responses = CounterSnapshot.builder().name("spindle_http_responses")
                .help("Responses sent by the server, handlers' and its own (400, 408, 413, 414, 431, 503...), by status class");
        for (int c = 1; c <= 5; c++) {
            responses.dataPoint(counter(s.responses(c), Labels.of("status_class", c + "xx")));
        }
        out.add(responses.build());
        out.add(gauge("spindle_connections_open", "Connections open now",
                GaugeDataPointSnapshot.builder().value(engine.openConnections()).build()));
        CounterSnapshot.Builder refusals = CounterSnapshot.builder().name("spindle_http_refusals")
                .help("Requests the server refused before routing them, by status (400, 408, 413, 414, 431...)");
        s.refusals().forEach((status, n) -> refusals.dataPoint(counter(n, Labels.of("status", String.valueOf(status)))));
        out.add(refusals.build());
        out.add(CounterSnapshot.builder().name("spindle_connections_refused")
                .help("Connections answered 503 and closed for being over maxConnections")
                .dataPoint(counter(s.connectionsRefused(), Labels.EMPTY)).build());
        out.add(CounterSnapshot.builder().name("spindle_http_received_bytes").unit(Unit.BYTES)
                .help("Bytes received on the connections").dataPoint(counter(s.bytesIn(), Labels.EMPTY)).build());
        out.add(CounterSnapshot.builder().name("spindle_http_sent_bytes").unit(Unit.BYTES)
                .help("Bytes sent on the connections").dataPoint(counter(s.bytesOut(), Labels.EMPTY)).build());
    }

    private void handlers(ServerProbe p, List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out) {
        Map<Long, RouteTarget> targets = p.targets();
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("spindle_requests")
                .help("Responses of a handler by method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT, TRACE;"
                        + " any other method is other) and status class (1xx: a 101 when a WebSocket or upgrade handler"
                        + " takes the connection over; 5xx includes handlers that threw); a method's series appear"
                        + " with its first response");
        GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("spindle_requests_in_flight")
                .help("Requests a handler is serving now");
        HistogramSnapshot.Builder latency = HistogramSnapshot.builder().name("spindle_request_duration_seconds")
                .unit(Unit.SECONDS).help("Time from a request's head to the end of its response, by handler");
        CounterSnapshot.Builder thrown = CounterSnapshot.builder().name("spindle_handler_exceptions")
                .help("Exceptions handlers threw, by class");
        GaugeSnapshot.Builder states = GaugeSnapshot.builder().name("spindle_handlers")
                .help("Handler registrations by state (ACTIVE, SHADOWED, CANARY, DRAINING, FAILED)");
        Map<String, Integer> byState = new java.util.TreeMap<>();
        for (HttpServer.HandlerRegistration h : p.handlers()) {
            byState.merge(h.state(), 1, Integer::sum);
            RouteTarget target = targets.get(h.serviceId());
            if (target == null) {
                continue;
            }
            Labels l = Labels.of("route", h.route(), "handler", String.valueOf(h.serviceId()),
                    "bundle", String.valueOf(h.bundleSymbolicName()), "version", bundleVersion.apply(h.bundleId()));
            responses(target, l, requests);
            inFlight.dataPoint(GaugeDataPointSnapshot.builder().value(target.inFlight()).labels(l).build());
            latency.dataPoint(histogram(target.latencyTotals(), target.latencySumSeconds(), l));
            for (Map.Entry<String, Long> e : target.thrown().totals().entrySet()) {
                thrown.dataPoint(counter(e.getValue(), l.add("exception", e.getKey())));
            }
        }
        byState.forEach((state, n) -> states.dataPoint(GaugeDataPointSnapshot.builder().value(n)
                .labels(Labels.of("state", state)).build()));
        out.add(requests.build());
        out.add(inFlight.build());
        out.add(latency.build());
        out.add(thrown.build());
        out.add(states.build());
    }

    /** {@code target}'s responses by method and status class: every class of each method it answered. */
    private static void responses(RouteTarget target, Labels handler, CounterSnapshot.Builder out) {
        long[] byClass = new long[6];
        for (int m = 0; m < RequestMethod.COUNT; m++) {
            RequestMethod method = RequestMethod.of(m);
            long any = 0;
            for (int c = 1; c <= 5; c++) {
                byClass[c] = target.responses(method, c);
                any |= byClass[c];
            }
            if (any == 0) {
                continue;
            }
            Labels l = handler.add("method", method.label());
            for (int c = 1; c <= 5; c++) {
                out.dataPoint(counter(byClass[c], l.add("status_class", c + "xx")));
            }
        }
    }

    private static void deploys(DeployEvents events, List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out) {
        CounterSnapshot.Builder counts = CounterSnapshot.builder().name("spindle_handler_events")
                .help("Handler registrations: registered, failed (invalid), unregistered, drained, cut (at the drain timeout)");
        for (DeployEvents.Kind kind : DeployEvents.Kind.values()) {
            counts.dataPoint(counter(events.total(kind), Labels.of("event", kind.label())));
        }
        out.add(counts.build());
        out.add(HistogramSnapshot.builder().name("spindle_handler_drain_duration_seconds").unit(Unit.SECONDS)
                .help("How long removed handlers took to finish their running requests")
                .dataPoint(histogram(events.drainTotals(), events.drainSumSeconds(), Labels.EMPTY)).build());
    }

    /** The window's 128 buckets folded into {@link #BUCKETS}, then +Inf. */
    private static HistogramDataPointSnapshot histogram(long[] totals, double sumSeconds, Labels labels) {
        double[] bounds = new double[BUCKETS.length + 1];
        long[] counts = new long[BUCKETS.length + 1];
        int b = 0;
        for (int i = 0; i < totals.length; i++) {
            while (b < BUCKETS.length && i > BUCKETS[b]) {
                b++;
            }
            counts[b] += totals[i];
        }
        for (int i = 0; i < BUCKETS.length; i++) {
            bounds[i] = LatencyWindow.upperBoundSeconds(BUCKETS[i]);
        }
        bounds[BUCKETS.length] = Double.POSITIVE_INFINITY;
        return HistogramDataPointSnapshot.builder().classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(sumSeconds).labels(labels).build();
    }

    private static CounterDataPointSnapshot counter(long value, Labels labels) {
        return CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static GaugeSnapshot gauge(String name, String help, GaugeDataPointSnapshot point) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(point).build();
    }
}
