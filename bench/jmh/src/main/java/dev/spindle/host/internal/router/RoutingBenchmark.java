package dev.spindle.host.internal.router;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.spindle.api.Handler;

/**
 * The router's part of a request, as the dispatcher runs it: resolving {@code GET /hello} among
 * a few routes and choosing the target ({@code Resolution.choose}), without a canary and with
 * one on {@code /hello} at 10 % (the split's counter schedule).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

    @Param({"none", "canary10"})
    public String canary;

    private Whiteboard whiteboard;

    private static Registration registration(long id, long bundle, String bsn, String route) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        props.put(Handler.ROUTE, route);
        Handler h = (req, res) -> res.end("hello");
        return Registration.of(h, props, bundle, bsn);
    }

    @Setup
    public void setUp() {
        whiteboard = new Whiteboard();
        whiteboard.add(registration(1, 10, "samples.echo", "/echo"));
        whiteboard.add(registration(2, 11, "samples.files", "/files/*"));
        whiteboard.add(registration(3, 12, "samples.hello", "/hello"));
        if (canary.equals("canary10")) {
            whiteboard.canary(13, new Canary(10, null));
            whiteboard.add(registration(4, 13, "samples.hello", "/hello"));
        }
    }

    @Benchmark
    public RouteTarget resolveAndChoose() {
        return whiteboard.resolve("GET", "/hello").choose(null);
    }
}
