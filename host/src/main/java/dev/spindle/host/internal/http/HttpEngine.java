package dev.spindle.host.internal.http;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.codec.DateCache;
import dev.spindle.host.internal.http.codec.HeaderNames;
import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.connection.HttpConnection;
import dev.spindle.host.internal.http.dispatch.BlockedLoopChecker;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.EngineStats;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.router.HandlerResolver;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The Netty server: event loops (epoll where the native transport loads, NIO otherwise), the
 * listening socket, and the per-connection pipeline built from the rooms beneath: the codec
 * ({@link RequestDecoder}, {@link ResponseEncoder}), the connection ({@link HttpConnection}), and the
 * {@link Dispatcher} shared by all connections. Nothing here knows about OSGi.
 */
public final class HttpEngine {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEngine.class);

    private volatile EngineSettings settings;
    private final Dispatcher dispatcher;
    private final ChannelGroup connections;
    private final boolean epoll;
    private final EventLoopGroup group;
    private Channel serverChannel;
    private java.util.concurrent.Future<?> sampler;
    private DateCache.Ticker dates;
    private BlockedLoopChecker blockedLoops;
    private java.util.concurrent.Future<?> failureSummaries;

    /** What {@code HttpServer.connections()} shows of one connection. */
    public record ConnectionSnapshot(long id, InetSocketAddress remoteAddress, long ageNanos, long requests,
            long idleNanos, String state) {
    }

    private final int eventLoops;

    /** How many event loops serve the connections. */
    public int eventLoops() {
        return eventLoops;
    }

    /**
     * @param transport {@code auto}, {@code epoll} or {@code nio}
     * @param ioThreads event loops; 0 for one per core (the cores this process may run on)
     */
    public HttpEngine(EngineSettings settings, HandlerResolver resolver, Executor workers, String transport,
            int ioThreads) {
        this.settings = settings;
        this.dispatcher = new Dispatcher(resolver, workers);
        boolean wantEpoll = !"nio".equals(transport);
        if (wantEpoll && !Epoll.isAvailable()) {
            if ("epoll".equals(transport)) {
                throw new IllegalArgumentException("transport: epoll is not available here: " + Epoll.unavailabilityCause());
            }
            LOG.info("Native epoll transport not available ({}), using NIO", String.valueOf(Epoll.unavailabilityCause()));
            wantEpoll = false;
        }
        this.epoll = wantEpoll;
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        // one loop per core, as Node runs one per process: a second loop on the same core only
        // adds context switches, and its connections wait whole time slices while the other runs
        this.eventLoops = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(eventLoops, new DefaultThreadFactory("spindle-io", true), io);
        this.connections = new DefaultChannelGroup("spindle-connections", GlobalEventExecutor.INSTANCE);
    }

    /**
     * Reports handlers that hold an event loop longer than {@code millis} (0: never), with the
     * loop's stack, through {@code report} (by default a warning in the log).
     */
    public void warnBlockedLoops(long millis, java.util.function.BiConsumer<String, Throwable> report) {
        if (blockedLoops != null) {
            blockedLoops.close();
            blockedLoops = null;
        }
        if (millis > 0) {
            blockedLoops = new BlockedLoopChecker(millis, report != null ? report : LOG::warn);
        }
    }

    /**
     * Logs every {@code millis} how many exceptions each handler threw beyond the first of each
     * class (which is logged in full); until this is called, they are only counted.
     */
    public void summarizeFailures(long millis) {
        if (failureSummaries != null) {
            failureSummaries.cancel(false);
        }
        failureSummaries = group.next().scheduleAtFixedRate(dispatcher.failures()::summarize, millis, millis,
                TimeUnit.MILLISECONDS);
    }

    /** Binds and starts accepting; returns the bound address. */
    public InetSocketAddress start(String host, int port) throws InterruptedException {
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        initPipeline(ch, settings, dispatcher);
                    }
                });
        try {
            serverChannel = b.bind(host, port).sync().channel();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("Cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        sampler = group.next().scheduleAtFixedRate(dispatcher.stats()::sample, 1, 1, TimeUnit.SECONDS);
        dates = DateCache.tick(group.next());
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("Spindle listening on {}:{} ({} transport)", host, bound.getPort(), transport());
        return bound;
    }

    /** The per-connection pipeline: request decoder, response encoder, connection handler. */
    public static void initPipeline(Channel ch, EngineSettings settings, Dispatcher dispatcher) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength())
                .setMaxHeaderSize(settings.maxHeaderSize())
                .setMaxChunkSize(settings.maxChunkSize())
                .setHeadersFactory(HeaderNames.requestHeaders());
        // Node's 16 KiB high-water mark, so that write() returns false when Node's would
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(Response.HIGH_WATER_MARK / 2, Response.HIGH_WATER_MARK));
        ch.pipeline()
                .addLast("decoder", new RequestDecoder(decoder))
                .addLast("encoder", new ResponseEncoder())
                .addLast("connection", new HttpConnection(dispatcher, settings));
    }

    public void resolver(HandlerResolver resolver) {
        dispatcher.resolver(resolver);
    }

    /** New limits and timeouts; connections opened from now on use them. */
    public void settings(EngineSettings settings) {
        this.settings = settings;
    }

    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    public InetSocketAddress address() {
        Channel ch = serverChannel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    public int openConnections() {
        return dispatcher.openConnections();
    }

    public long totalRequests() {
        return dispatcher.totalRequests();
    }

    public EngineStats stats() {
        return dispatcher.stats();
    }

    /** The open connections, oldest first. */
    public java.util.List<ConnectionSnapshot> connections() {
        long now = System.nanoTime();
        java.util.List<ConnectionSnapshot> out = new java.util.ArrayList<>();
        for (Channel ch : connections) {
            HttpConnection c = ch.pipeline().get(HttpConnection.class);
            RequestDecoder in = ch.pipeline().get(RequestDecoder.class);
            ResponseEncoder encoder = ch.pipeline().get(ResponseEncoder.class);
            if (c != null && in != null && encoder != null && ch.isActive()) {
                long active = Math.max(in.lastActiveNanos, encoder.lastActiveNanos);
                out.add(new ConnectionSnapshot(c.id, (InetSocketAddress) ch.remoteAddress(), now - in.createdNanos,
                        c.requests(), now - active, c.state()));
            }
        }
        out.sort(java.util.Comparator.comparingLong(ConnectionSnapshot::id));
        return out;
    }

    /** Stops at once: closes the listener and every connection, stops the event loops. */
    public void close() {
        close(0);
    }

    /**
     * Stops gracefully, like Node's {@code server.close()}: no new connections, idle ones closed,
     * busy ones closed as soon as the requests they already received are answered (their last
     * responses say {@code Connection: close}). What is still running after {@code drainMillis}
     * is cut off.
     *
     * @return the number of connections that had to be cut off
     */
    public int close(long drainMillis) {
        if (sampler != null) {
            sampler.cancel(false);
        }
        if (dates != null) {
            dates.close();
        }
        if (blockedLoops != null) {
            blockedLoops.close();
        }
        if (failureSummaries != null) {
            failureSummaries.cancel(false);
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        int cut = 0;
        if (drainMillis > 0) {
            for (Channel ch : connections) {
                HttpConnection c = ch.pipeline().get(HttpConnection.class);
                if (c != null) {
                    ch.eventLoop().execute(c::finishAndClose);
                }
            }
            if (!connections.newCloseFuture().awaitUninterruptibly(drainMillis, TimeUnit.MILLISECONDS)) {
                cut = connections.size();
                LOG.warn("{} connection(s) still busy after {} ms: closing them", cut, drainMillis);
            }
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        dispatcher.failures().summarize();
        return cut;
    }
}
