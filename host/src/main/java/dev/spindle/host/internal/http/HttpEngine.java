package dev.spindle.host.internal.http;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Outcome;
import dev.spindle.host.internal.http.codec.DateCache;
import dev.spindle.host.internal.http.codec.HeaderNames;
import dev.spindle.host.internal.http.codec.RequestDecoder;
import dev.spindle.host.internal.http.codec.ResponseEncoder;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.connection.HttpConnection;
import dev.spindle.host.internal.http.dispatch.BlockedLoopChecker;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.dispatch.EngineStats;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.http.exchange.Response;
import dev.spindle.host.internal.http.h2.H2Connection;
import dev.spindle.host.internal.http.h2.H2Pipeline;
import dev.spindle.host.internal.http.tls.TlsContexts;
import dev.spindle.host.internal.http.tls.TlsGate;
import dev.spindle.host.internal.http.connection.Upgrade;
import dev.spindle.host.internal.http.raw.RawUpgrade;
import dev.spindle.host.internal.http.ws.WebSocketConnection;
import dev.spindle.host.internal.http.ws.WebSocketSettings;
import dev.spindle.host.internal.http.ws.WebSocketUpgrade;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

/**
 * Data path: the top of the engine, where sockets come in. The Netty server: event loops (epoll
 * where the native transport loads, NIO otherwise), the listening socket ({@link Listener}), and
 * the per-connection pipeline built from the rooms beneath: the codec ({@link RequestDecoder},
 * {@link ResponseEncoder}), the connection ({@link HttpConnection}), and the {@link Dispatcher}
 * shared by all connections. Nothing here knows about OSGi.
 */
public final class HttpEngine {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEngine.class);

    private volatile EngineSettings settings;
    private final Dispatcher dispatcher;
    private final WebSocketUpgrade webSockets;
    /** WebSocket first, then the upgrade handlers' protocols. */
    private final Upgrade upgrades;
    private final OpenConnections connections = new OpenConnections();
    private final boolean epoll;
    private final EventLoopGroup group;
    private final Listeners listeners;
    private volatile boolean retiring;
    private final java.util.concurrent.Future<?> sampler;
    private final DateCache.Ticker dates;
    private BlockedLoopChecker blockedLoops;
    /** Set when {@link #close} begins: a connection accepted from then on is shut down at once. */
    private volatile boolean shuttingDown;
    /** After the shutdown deadline, how long responses cut off may take to reach their clients, by default. */
    private static final long CUT_GRACE_MILLIS = 300;
    private volatile long cutGraceMillis = CUT_GRACE_MILLIS;
    private java.util.concurrent.Future<?> failureSummaries;

    /** What {@code HttpServer.connections()} shows of one connection. */
    public record ConnectionSnapshot(long id, InetSocketAddress remoteAddress, long ageNanos, long requests,
            long idleNanos, String state, String protocol, int openStreams) {
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
        this.webSockets = new WebSocketUpgrade(dispatcher, WebSocketSettings.defaults());
        RawUpgrade raw = new RawUpgrade(dispatcher);
        this.upgrades = (head, connection, ctx) -> webSockets.take(head, connection, ctx) || raw.take(head, connection, ctx);
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
        this.listeners = new Listeners(group, epoll, this::accepted, this::acceptedTls);
        this.sampler = group.next().scheduleAtFixedRate(dispatcher.stats()::sample, 1, 1, TimeUnit.SECONDS);
        this.dates = DateCache.tick(group.next());
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

    /** Writes a line per request to the access log, or stops doing so: at once, on every connection. */
    public void accessLog(boolean on) {
        dispatcher.accessLog(on);
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

    /**
     * Binds the cleartext port and starts accepting; returns the bound address. If it cannot,
     * the engine is closed. The other ways to listen, and the TLS port: {@link #listeners}.
     */
    public InetSocketAddress start(String host, int port) throws InterruptedException {
        try {
            return listeners.start(host, port);
        } catch (IllegalStateException | InterruptedException e) {
            close();
            throw e;
        }
    }

    /** The engine's listening sockets: how it listens, and takes over those of the engine it replaces. */
    public Listeners listeners() {
        return listeners;
    }

    /** A connection the cleartext listener accepted, on its event loop. */
    private void accepted(SocketChannel ch) {
        connections.add(ch);
        serveHttp1(ch);
    }

    /** A connection the TLS listener accepted, on its event loop: its handshake first, with {@code tls}. */
    private void acceptedTls(SocketChannel ch, TlsContexts tls) {
        connections.add(ch);
        TlsGate.install(ch, tls, this::serveHttp1, this::serveH2);
        if (shuttingDown) {
            ch.close();
        }
    }

    /** {@code ch} chose {@code h2} by ALPN in its TLS handshake: HTTP/2 from now on. */
    private void serveH2(Channel ch) {
        H2Pipeline.install(ch, settings, dispatcher, "h2");
        H2Connection h2 = ch.pipeline().get(H2Connection.class);
        if (retiring) {
            h2.closeAfterNextResponse();
        }
        if (shuttingDown) {
            ch.eventLoop().execute(h2::shutdown);
        }
    }

    /** {@code ch} speaks HTTP/1.1 from now on (at once on the cleartext port, after its handshake on TLS). */
    private void serveHttp1(Channel ch) {
        initPipeline(ch, settings, dispatcher, upgrades);
        if (retiring) {
            // accepted while the listener was being replaced: retired like the others
            ch.pipeline().get(HttpConnection.class).closeAfterNextResponse();
        }
        if (shuttingDown) {
            ch.eventLoop().execute(ch.pipeline().get(HttpConnection.class)::shutdown);
        }
    }

    /**
     * This engine's listener gives way to another's: it stops accepting at once; each connection
     * answers what it was sent and closes after its next response (which says
     * {@code Connection: close}); an idle one closes with its keep-alive timeout or when it sends
     * its next request and has it answered, so that no request of a client is lost to a close.
     * What is still open after {@code drainMillis} is cut off, then the event loops stop.
     *
     * @return the number of connections that had to be cut off
     */
    public int retire(long drainMillis) {
        retiring = true;
        listeners.close(() -> { });
        settle();
        connections.retireAll();
        int cut = 0;
        if (!connections.awaitClosed(drainMillis)) {
            cut = connections.size();
            LOG.warn("{} connection(s) of the replaced listener still open after {} ms: closing them", cut, drainMillis);
        }
        close();
        return cut;
    }

    /**
     * Waits (bounded) until each event loop has run what was queued on it, so that a connection
     * accepted before the listener closed or changed hands is among the open connections.
     */
    private void settle() {
        for (EventExecutor loop : group) {
            if (!loop.inEventLoop() && !loop.isShuttingDown()) {
                try {
                    loop.submit(() -> { }).awaitUninterruptibly(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // stopped meanwhile: nothing more can be queued on it
                }
            }
        }
    }

    /** Immutable: one for every connection. */
    private static final WriteBufferWaterMark WATER_MARK =
            new WriteBufferWaterMark(Response.HIGH_WATER_MARK / 2, Response.HIGH_WATER_MARK);

    /** The per-connection pipeline without upgrades: see {@link #initPipeline(Channel, EngineSettings, Dispatcher, Upgrade)}. */
    public static void initPipeline(Channel ch, EngineSettings settings, Dispatcher dispatcher) {
        initPipeline(ch, settings, dispatcher, null);
    }

    /**
     * The per-connection pipeline: request decoder, response encoder, connection handler, which
     * offers {@code upgrades} (if not null) the requests that ask for another protocol.
     */
    public static void initPipeline(Channel ch, EngineSettings settings, Dispatcher dispatcher, Upgrade upgrades) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength())
                .setMaxHeaderSize(settings.maxHeaderSize())
                .setMaxChunkSize(settings.maxChunkSize())
                .setHeadersFactory(HeaderNames.requestHeaders());
        // Node's 16 KiB high-water mark, so that write() returns false when Node's would
        ch.config().setWriteBufferWaterMark(WATER_MARK);
        ch.pipeline()
                .addLast("decoder", new RequestDecoder(decoder))
                .addLast("encoder", new ResponseEncoder())
                .addLast("connection", new HttpConnection(dispatcher, settings,
                        ch.pipeline().get(SslHandler.class) != null ? Protocol.H1_TLS : Protocol.H1, upgrades));
        H2Pipeline.cleartext(ch.pipeline(), settings, dispatcher);
    }

    public void resolver(HandlerResolver resolver) {
        dispatcher.resolver(resolver);
    }

    /** New limits and timeouts; connections opened from now on use them. */
    public void settings(EngineSettings settings) {
        this.settings = settings;
    }

    /** New WebSocket limits and timers; sockets opened from now on use them. */
    public void webSocketSettings(WebSocketSettings settings) {
        webSockets.settings(settings);
    }

    /** The open WebSockets, oldest first. */
    public java.util.List<WebSocketConnection.Snapshot> sockets() {
        return connections.sockets();
    }

    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** The address of the cleartext listener (see {@link Listeners#address}). */
    public InetSocketAddress address() {
        return listeners.address();
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
        return connections.snapshots();
    }

    /**
     * How long, after the shutdown deadline, responses already ended but not yet taken by their
     * clients (a slow reader, a closed HTTP/2 window) may still flush before their connections are
     * dropped.
     */
    public void cutGrace(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("cut grace: " + millis + " ms");
        }
        this.cutGraceMillis = millis;
    }

    /** Stops at once: closes the listener and every connection, stops the event loops. */
    public void close() {
        close(0);
    }

    /**
     * Stops gracefully, like Node's {@code server.close()}, under one deadline {@code drainMillis}
     * from now: the listener closes at once; idle connections close at once; busy ones keep
     * answering what they receive until nothing is owed (the last response says
     * {@code Connection: close}), then close; a request parked for a route being replaced is
     * answered {@code 503}. At the deadline what is still running ends with
     * {@link Outcome#SERVER_SHUTDOWN} (a {@code 503} if nothing was sent, else cut off after what
     * was written), and whatever a client does not take within the cut grace (by default
     * {@value #CUT_GRACE_MILLIS} ms, see {@link #cutGrace}) is dropped with its connection. Returns within about {@code drainMillis} + 1 s.
     *
     * @return the number of connections that had to be cut off
     */
    public int close(long drainMillis) {
        return close(drainMillis, false);
    }

    /**
     * As {@link #close(long)}; with {@code park}, the listening sockets stay open for the next
     * instance of the host instead of closing (see {@link Listeners#park}).
     */
    public int close(long drainMillis, boolean park) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, drainMillis));
        shuttingDown = true;
        sampler.cancel(false);
        dates.close();
        if (blockedLoops != null) {
            blockedLoops.close();
        }
        if (failureSummaries != null) {
            failureSummaries.cancel(false);
        }
        // the TLS listener first: the cleartext one's close is what clients see. In the task that
        // closes it (on its loop, just before the close), requests arriving on open connections
        // from then on are told that their response is the connection's last, even before the
        // connection's shutdown() has run. Not earlier: a client told so would reconnect into the
        // listener's backlog, which the close resets.
        if (park) {
            listeners.park(dispatcher::stop);
        } else {
            listeners.close(dispatcher::stop);
        }
        dispatcher.stop();
        settle();
        int cut = 0;
        if (drainMillis > 0) {
            connections.shutdownAll();
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!connections.awaitClosed(Math.max(1, left))) {
                cut = connections.size();
                LOG.warn("{} connection(s) still busy after {} ms: ending what they serve ({})", cut, drainMillis,
                        Outcome.SERVER_SHUTDOWN);
                connections.endAll(null, Outcome.SERVER_SHUTDOWN);
                connections.awaitClosed(cutGraceMillis);
            }
        }
        connections.closeAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        dispatcher.failures().summarize();
        return cut;
    }

    /**
     * The handler {@code target} was removed and its drain ran out: what it still serves ends with
     * {@code why} (see {@link HttpConnection#end}). Does not wait.
     */
    public void endServedBy(RouteTarget target, Outcome why) {
        connections.endAll(target, why);
    }

    /** The event loops serving the connections (the admin listener's liveness check runs a task on each). */
    public Iterable<EventExecutor> loops() {
        return group;
    }

    /** Whether the calling thread is one of this engine's event loops (which must never wait). */
    public boolean inEventLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
