package dev.spindle.host.internal.router;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.router.HandlerResolver.Resolution;

/** Route lookup in a table of 50 exact and 20 prefix routes, as the whiteboard builds it. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteLookupBenchmark {

    private final Whiteboard whiteboard = new Whiteboard();

    @Setup
    public void setUp() {
        long id = 1;
        for (int i = 0; i < 50; i++) {
            add(id++, "/exact/" + i);
        }
        for (int i = 0; i < 20; i++) {
            add(id++, "/prefix/" + i + "/*");
        }
    }

    private void add(long id, String route) {
        Map<String, Object> props = new HashMap<>();
        props.put("service.id", id);
        props.put(Handler.ROUTE, route);
        whiteboard.add(Registration.of((req, res) -> res.end(), props, 1, "bench"));
    }

    @Benchmark
    public Resolution exactRoute() {
        return whiteboard.resolve("GET", "/exact/42");
    }

    @Benchmark
    public Resolution prefixRoute() {
        return whiteboard.resolve("GET", "/prefix/7/some/deeper/path");
    }

    @Benchmark
    public Resolution notFound() {
        return whiteboard.resolve("GET", "/nowhere/at/all");
    }
}
