package bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The floor of a /hello response on Netty's transport: the limit peer's contract
 * ({@code ../shared/bench/peers/limit-hello.c}) on Netty's epoll channel, its pooled buffers and one
 * pipeline handler. Each complete request head in a read ({@code \r\n\r\n}, counted across reads) is
 * answered with Node's full 160-byte response, pre-built; the answers of a read go out in one buffer
 * and one flush at the read's end. No HTTP parsing, no headers, no objects per request: whatever a
 * server built on Netty spends above this, it spends in its own code.
 */
public final class NettyFloor {

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: "
            + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC))
            + "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 11\r\n\r\nhello world")
            .getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args.length > 0 ? args[0] : "18090");
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            new ServerBootstrap().group(boss, workers)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new Answers());
                        }
                    })
                    .bind("127.0.0.1", port).sync()
                    .channel().closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    /** Counts heads and answers them; one instance per connection (it keeps a partial match). */
    private static final class Answers extends ChannelInboundHandlerAdapter {
        private int matched;
        private int owed;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                int m = matched;
                for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                    byte b = in.getByte(i);
                    if (b == (m == 0 || m == 2 ? '\r' : '\n')) {
                        if (++m == 4) {
                            owed++;
                            m = 0;
                        }
                    } else {
                        m = b == '\r' ? 1 : 0;
                    }
                }
                matched = m;
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (owed > 0) {
                ByteBuf out = ctx.alloc().ioBuffer(owed * RESPONSE.length);
                for (; owed > 0; owed--) {
                    out.writeBytes(RESPONSE);
                }
                ctx.writeAndFlush(out, ctx.voidPromise());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
