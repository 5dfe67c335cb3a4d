package bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.HashSet;
import java.util.Set;

/**
 * The raw Netty WebSocket peer of bench/ws.sh (a load generator's server, outside Spindle's data
 * path): Netty 4.2.18's own {@code websocketx} server codec, the one Spindle's host uses, with
 * nothing above it, native epoll, one event loop. The transport-and-codec floor of the benchmark:
 * what any WebSocket server on Netty's codec pays at least per message.
 *
 * /ws/echo      every frame back to its sender (the same buffer, retained), one flush per read
 * /ws/broadcast every binary frame to every socket open on /ws/broadcast, the sender's too
 *
 * Usage: java -jar netty-ws.jar PORT   (127.0.0.1 only)
 */
public final class NettyWs {

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: java -jar netty-ws.jar PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Set<Channel> room = new HashSet<>(); // touched only on the one event loop
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws").checkStartsWith(true).maxFramePayloadLength(1 << 20).build();
        try {
            Channel server = new ServerBootstrap().group(boss, loop)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                    new WebSocketServerProtocolHandler(ws), new Route(room));
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel();
            System.out.println("netty-ws listening on 127.0.0.1:" + port + " native(epoll)");
            server.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            loop.shutdownGracefully();
        }
    }

    /** Chooses the route at the handshake's end, then echoes or broadcasts each data frame. */
    private static final class Route extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Set<Channel> room;
        private boolean broadcast;
        private boolean owed;

        Route(Set<Channel> room) {
            super(false);
            this.room = room;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
                switch (done.requestUri()) {
                    case "/ws/echo" -> { }
                    case "/ws/broadcast" -> {
                        broadcast = true;
                        room.add(ctx.channel());
                        ctx.channel().closeFuture().addListener(f -> room.remove(ctx.channel()));
                    }
                    default -> ctx.writeAndFlush(new CloseWebSocketFrame(1008, "no such route"));
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (!broadcast) {
                ctx.write(frame);
                owed = true;
                return;
            }
            try {
                if (frame instanceof BinaryWebSocketFrame) {
                    for (Channel c : room) {
                        c.writeAndFlush(frame.retainedDuplicate(), c.voidPromise());
                    }
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (owed) {
                owed = false;
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }
    }
}
