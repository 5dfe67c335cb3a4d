package dev.spindle.host.internal.http.codec;

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

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;

/**
 * The header section of a typical response ({@code Content-Type}, then the host's {@code Date},
 * {@code Connection}, {@code Keep-Alive} and {@code Content-Length}) written into a buffer: with
 * the pre-encoded run, as the encoder does, and pair by pair, as it did before.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderLinesBenchmark {

    private static final AsciiString DATE = AsciiString.cached("Date");
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");

    private HeaderLines withRun;
    private HeaderLines pairByPair;
    private ByteBuf buf;

    @Setup(Level.Trial)
    public void setUp() {
        AsciiString date = DateCache.now();
        AsciiString timeout = Http1Head.keepAliveValue(5000);
        CharSequence[] pairs = {
            "Content-Type", "text/plain",
            DATE, date, CONNECTION, HttpHeaderValues.KEEP_ALIVE, KEEP_ALIVE, timeout,
            AsciiString.cached("Content-Length"), Numbers.ascii(11),
        };
        byte[] run = HeaderLines.run(DATE, date, CONNECTION, HttpHeaderValues.KEEP_ALIVE, KEEP_ALIVE, timeout);
        withRun = new HeaderLines(pairs, pairs.length, 2, 8, run);
        pairByPair = new HeaderLines(pairs, pairs.length, -1, -1, null);
        buf = PooledByteBufAllocator.DEFAULT.directBuffer(256);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        buf.release();
    }

    @Benchmark
    public int preEncodedRun() {
        buf.clear();
        withRun.encode(buf);
        return buf.writerIndex();
    }

    @Benchmark
    public int pairByPair() {
        buf.clear();
        pairByPair.encode(buf);
        return buf.writerIndex();
    }
}
