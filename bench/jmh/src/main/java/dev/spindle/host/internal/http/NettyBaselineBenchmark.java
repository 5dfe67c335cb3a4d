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

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * The raw Netty peer of the load runs ({@code ../shared/bench}: {@code HttpServerCodec} and one
 * handler answering {@code hello world} from a shared buffer and {@code /stream} with sixteen
 * views of one shared 4 KiB buffer, no {@code Date}) on the same {@link EmbeddedChannel} and the
 * same requests as {@link ResponsePathBenchmark}: the in-process yardstick for the engine's
 * per-request cost. Compare the same benchmark of both classes from one JMH run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NettyBaselineBenchmark {

    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
    private static final ByteBuf HELLO = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes("hello world".getBytes(StandardCharsets.US_ASCII)));

    private static final AsciiString OCTETS = AsciiString.cached("application/octet-stream");
    private static final ByteBuf CHUNK = Unpooled.unreleasableBuffer(Unpooled.directBuffer(4096).writeBytes(new byte[4096]));

    private EmbeddedChannel channel;

    @Setup(Level.Trial)
    public void setUp() {
        channel = new EmbeddedChannel(new HttpServerCodec(), new Hello());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int helloResponse() {
        channel.writeInbound(Unpooled.wrappedBuffer(ResponsePathBenchmark.GET));
        return ResponsePathBenchmark.drain(channel);
    }

    @Benchmark
    public int helloPipelined16() {
        channel.writeInbound(Unpooled.wrappedBuffer(ResponsePathBenchmark.GET16));
        return ResponsePathBenchmark.drain(channel);
    }

    @Benchmark
    public int streamResponse() {
        channel.writeInbound(Unpooled.wrappedBuffer(ResponsePathBenchmark.GET_STREAM));
        return ResponsePathBenchmark.drain(channel);
    }

    /** The peer's handler: keep-alive assumed, flush once per read batch. */
    private static final class Hello extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest && "/hello".equals(((HttpRequest) msg).uri())) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        HELLO.duplicate());
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.readableBytes());
                ctx.write(res);
            } else if (msg instanceof HttpRequest && "/stream".equals(((HttpRequest) msg).uri())) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, OCTETS)
                        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.write(head);
                for (int i = 0; i < 16; i++) {
                    ctx.write(new DefaultHttpContent(CHUNK.duplicate()));
                }
                ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
