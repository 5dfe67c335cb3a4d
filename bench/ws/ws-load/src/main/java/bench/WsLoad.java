package bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The load client of bench/ws.sh (outside Spindle's data path; it drives any server that has the
 * peers' /ws/echo and /ws/broadcast): Netty's websocketx client on ONE event loop (native epoll),
 * binary messages, masked as RFC 6455 wants, no compression, flushes batched per read.
 *
 * <ul>
 * <li>echo: C sockets on /ws/echo, each with D messages of B bytes in flight (--echo-depth,
 *     default 1): each sent, echoed, sent again. Rate: round trips per second.
 * <li>broadcast: C sockets on /ws/broadcast (opened 50 at a time); the first sends messages of B
 *     bytes, at most W not yet received by every socket; the server sends each to all C sockets.
 *     Rate: broadcasts per second fully delivered (deliveries = that times C).
 * </ul>
 * For each case: open, warm up for --warmup seconds, then print {@code begin CASE}, measure for
 * --duration seconds and print {@code result CASE rate=R deliveries=D seconds=S client_cpu=P
 * mean_us=M} (client CPU as % of one core, mean latency of a round trip or of a broadcast to its
 * last socket). The runner samples the server's CPU between the two lines.
 *
 * Usage: java -jar ws-load.jar PORT [--cases echo,broadcast] [--echo-connections 64]
 *        [--echo-bytes 64] [--echo-depth 1] [--broadcast-connections 1000] [--broadcast-bytes 1024] [--window 8]
 *        [--warmup 5] [--duration 5]
 */
public final class WsLoad {

    private static final int RING = 64; // broadcasts tracked at once; the window stays below it

    private final int port;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final boolean epoll = Epoll.isAvailable();

    // written on the loop only
    private long count;      // round trips, or broadcasts delivered to every socket
    private long latencyNanos;
    private boolean sending;

    private WsLoad(int port) {
        this.port = port;
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.loop = group.next();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java -jar ws-load.jar PORT [--cases echo,broadcast] [--echo-connections N] [--echo-bytes N] [--echo-depth N]"
                    + " [--broadcast-connections N] [--broadcast-bytes N] [--window N] [--warmup S] [--duration S]");
            System.exit(2);
        }
        String cases = "echo,broadcast";
        int echoConnections = 64, echoBytes = 64, echoDepth = 1, broadcastConnections = 1000, broadcastBytes = 1024, window = 8;
        double warmup = 5, duration = 5;
        for (int i = 1; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--cases" -> cases = v;
                case "--echo-connections" -> echoConnections = Integer.parseInt(v);
                case "--echo-bytes" -> echoBytes = Integer.parseInt(v);
                case "--echo-depth" -> echoDepth = Integer.parseInt(v);
                case "--broadcast-connections" -> broadcastConnections = Integer.parseInt(v);
                case "--broadcast-bytes" -> broadcastBytes = Integer.parseInt(v);
                case "--window" -> window = Math.min(Integer.parseInt(v), RING - 1);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--duration" -> duration = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        WsLoad load = new WsLoad(Integer.parseInt(args[0]));
        int status = 0;
        try {
            for (String c : cases.split(",")) {
                boolean ok = switch (c) {
                    case "echo" -> load.echo(echoConnections, echoBytes, echoDepth, warmup, duration);
                    case "broadcast" -> load.broadcast(broadcastConnections, broadcastBytes, window, warmup, duration);
                    default -> throw new IllegalArgumentException("case must be echo or broadcast, not " + c);
                };
                status |= ok ? 0 : 1;
            }
        } finally {
            load.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.exit(status);
    }

    private boolean echo(int connections, int bytes, int depth, double warmup, double duration) throws Exception {
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes).writeZero(bytes));
        /** One per socket: its {@code depth} messages in flight, each sent again as soon as it is back (in order). */
        final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
            private final long[] sentAt = new long[depth];
            private int sent;
            private int back;

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                    for (int i = 0; i < depth; i++) {
                        send(ctx);
                    }
                    ctx.flush();
                }
                ctx.fireUserEventTriggered(evt);
            }

            private void send(ChannelHandlerContext ctx) {
                sentAt[sent++ % depth] = System.nanoTime();
                ctx.write(new BinaryWebSocketFrame(payload.duplicate()));
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                count++;
                latencyNanos += System.nanoTime() - sentAt[back++ % depth];
                if (sending) {
                    send(ctx);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }
        }
        onLoop(() -> sending = true);
        List<Channel> open = open("/ws/echo", connections, Echo::new);
        if (open == null) {
            return false;
        }
        measure("echo", warmup, duration, 1);
        onLoop(() -> sending = false);
        close(open);
        return true;
    }

    private boolean broadcast(int connections, int bytes, int window, double warmup, double duration) throws Exception {
        int[] received = new int[RING];
        long[] sentAt = new long[RING];
        long[] next = {0};
        Channel[] sender = new Channel[1];
        byte[] filler = new byte[Math.max(0, bytes - 8)];
        @Sharable
        final class Broadcast extends SimpleChannelInboundHandler<WebSocketFrame> {
            void send() {
                long seq = next[0]++;
                sentAt[(int) (seq % RING)] = System.nanoTime();
                ByteBuf data = sender[0].alloc().buffer(8 + filler.length).writeLong(seq).writeBytes(filler);
                sender[0].write(new BinaryWebSocketFrame(data));
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
                long seq = frame.content().getLong(frame.content().readerIndex());
                int slot = (int) (seq % RING);
                if (++received[slot] == connections) {
                    received[slot] = 0;
                    count++;
                    latencyNanos += System.nanoTime() - sentAt[slot];
                    if (sending) {
                        send();
                        sender[0].flush();
                    }
                }
            }
        }
        Broadcast handler = new Broadcast();
        List<Channel> open = open("/ws/broadcast", connections, () -> handler);
        if (open == null) {
            return false;
        }
        onLoop(() -> {
            sending = true;
            sender[0] = open.get(0);
            for (int i = 0; i < window; i++) {
                handler.send();
            }
            sender[0].flush();
            return null;
        });
        measure("broadcast", warmup, duration, connections);
        onLoop(() -> sending = false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (onLoop(() -> next[0] - count) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the broadcasts in flight arrive before the sockets close
        }
        close(open);
        return true;
    }

    /** Opens {@code n} sockets on {@code path}, at most 50 handshakes at a time; null (after a message) if one fails. */
    private List<Channel> open(String path, int n, Supplier<ChannelHandler> handler) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + port + path);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri).maxFramePayloadLength(16 << 20).dropPongFrames(true).build();
        CountDownLatch done = new CountDownLatch(n);
        Semaphore handshakes = new Semaphore(50);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Channel> channels = new ArrayList<>();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(config), new Opened(done, handshakes, failure), handler.get());
                    }
                });
        for (int i = 0; i < n && failure.get() == null; i++) {
            if (!handshakes.tryAcquire(10, TimeUnit.SECONDS)) {
                break;
            }
            channels.add(bootstrap.connect("127.0.0.1", port).addListener(f -> {
                if (!f.isSuccess()) {
                    failure.compareAndSet(null, f.cause());
                }
            }).channel());
        }
        if (!done.await(30, TimeUnit.SECONDS) || failure.get() != null) {
            System.out.println("error " + path + ": " + (n - done.getCount()) + " of " + n + " sockets opened"
                    + (failure.get() != null ? ": " + failure.get() : ""));
            close(channels);
            return null;
        }
        return channels;
    }

    /** Counts a socket's handshake done, and lets the next one start; records a failure. */
    private static final class Opened extends ChannelInboundHandlerAdapter {
        private final CountDownLatch done;
        private final Semaphore handshakes;
        private final AtomicReference<Throwable> failure;
        private boolean released;

        Opened(CountDownLatch done, Semaphore handshakes, AtomicReference<Throwable> failure) {
            this.done = done;
            this.handshakes = handshakes;
            this.failure = failure;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                done.countDown();
                release();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure.compareAndSet(null, cause);
            release();
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!released) {
                failure.compareAndSet(null, new IllegalStateException("closed before the handshake ended"));
                release();
            }
            ctx.fireChannelInactive();
        }

        private void release() {
            if (!released) {
                released = true;
                handshakes.release();
            }
        }
    }

    private void measure(String name, double warmup, double duration, int deliveriesPerCount) throws Exception {
        Thread.sleep((long) (warmup * 1000));
        long[] a = onLoop(() -> new long[] {count, latencyNanos});
        long cpu0 = cpuNanos(), t0 = System.nanoTime();
        System.out.println("begin " + name);
        System.out.flush();
        Thread.sleep((long) (duration * 1000));
        long[] b = onLoop(() -> new long[] {count, latencyNanos});
        long cpu1 = cpuNanos(), t1 = System.nanoTime();
        double seconds = (t1 - t0) / 1e9;
        long n = b[0] - a[0];
        System.out.printf("result %s rate=%.0f deliveries=%.0f seconds=%.2f client_cpu=%.0f mean_us=%.1f%n", name, n / seconds,
                n * deliveriesPerCount / seconds, seconds, 100.0 * (cpu1 - cpu0) / (t1 - t0), n == 0 ? 0 : (b[1] - a[1]) / 1e3 / n);
        System.out.flush();
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable task) throws Exception {
        loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private static void close(List<Channel> channels) throws InterruptedException {
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().await(5, TimeUnit.SECONDS);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
