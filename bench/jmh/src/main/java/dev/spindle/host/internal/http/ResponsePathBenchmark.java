package dev.spindle.host.internal.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * One request through the engine's pipeline on an {@link EmbeddedChannel}: decode, route, the
 * Node-style response with its computed head (Date, keep-alive, Content-Length), encode. No
 * socket, so a regression in the per-request code shows without a load run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponsePathBenchmark {

    static final byte[] GET = "GET /hello HTTP/1.1\r\nHost: localhost\r\nUser-Agent: jmh\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** Sixteen of the same request in one read, as the pipelined load case sends them. */
    static final byte[] GET16;

    static final byte[] GET_STREAM = "GET /stream HTTP/1.1\r\nHost: localhost\r\nUser-Agent: jmh\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    /** The load runs' stream: 64 KiB as sixteen writes of 4 KiB. */
    private static final byte[] CHUNK = new byte[4096];

    static {
        GET16 = new byte[GET.length * 16];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(GET, 0, GET16, i * GET.length, GET.length);
        }
    }

    private EmbeddedChannel channel;

    @Setup(Level.Trial)
    public void setUp() {
        RouteTarget hello = new RouteTarget((req, res) -> {
            res.setHeader("Content-Type", "text/plain");
            res.end("hello world");
        }, 1, false, false);
        RouteTarget stream = new RouteTarget((req, res) -> {
            res.setHeader("Content-Type", "application/octet-stream");
            for (int i = 0; i < 16; i++) {
                res.write(CHUNK);
            }
            res.end();
        }, 2, false, false);
        HandlerResolver.Resolution helloFound = HandlerResolver.Resolution.found(hello);
        HandlerResolver.Resolution streamFound = HandlerResolver.Resolution.found(stream);
        Dispatcher dispatcher = new Dispatcher(
                (method, path) -> path.equals("/stream") ? streamFound : helloFound, Runnable::run);
        channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                HttpEngine.initPipeline(ch, EngineSettings.defaults(), dispatcher);
            }
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** A keep-alive GET answered with {@code end("hello world")}; returns the response size. */
    @Benchmark
    public int helloResponse() {
        channel.writeInbound(received(GET));
        return drain(channel);
    }

    /**
     * Sixteen pipelined GETs in one read: the batch path (one flush, counts per batch); divide by
     * 16 for the time per request.
     */
    @Benchmark
    public int helloPipelined16() {
        channel.writeInbound(received(GET16));
        return drain(channel);
    }

    /** A keep-alive GET answered with sixteen 4 KiB {@code write(byte[])} and {@code end()}: chunked. */
    @Benchmark
    public int streamResponse() {
        channel.writeInbound(received(GET_STREAM));
        return drain(channel);
    }

    /** The bytes as a socket read gives them: in a direct buffer from the channel's allocator. */
    private ByteBuf received(byte[] bytes) {
        return channel.alloc().directBuffer(bytes.length).writeBytes(bytes);
    }

    static int drain(EmbeddedChannel channel) {
        int size = 0;
        Object out;
        while ((out = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) out;
            size += b.readableBytes();
            b.release();
        }
        return size;
    }
}
