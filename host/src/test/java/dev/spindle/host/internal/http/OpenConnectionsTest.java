package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.api.WebSocketHandler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import dev.spindle.host.internal.http.ws.WebSocketSettings;
import dev.spindle.host.internal.http.ws.WebSocketUpgrade;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * What the engine asks of all its connections at once (shut down, retire) reaches each one as
 * the protocol it speaks when the request runs on its event loop, not when it was asked: a
 * connection that a WebSocket upgrade takes over in between gets its close 1001 (an
 * {@link EmbeddedChannel} runs the request's task after the read that upgrades it).
 */
class OpenConnectionsTest {

    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    /** A close frame from the server: 1001 and its reason. */
    private static final String GOING_AWAY = "\u0088\u000c\u0003\u00e9going away";

    @ParameterizedTest
    @ValueSource(strings = {"shutdown", "retire"})
    void aConnectionUpgradedBeforeTheRequestRunsClosesItsWebSocketWith1001(String request) {
        RouteTarget ws = new RouteTarget((WebSocketHandler) (req, socket) -> { }, List.of(), 7, "/ws");
        HandlerResolver routes = new HandlerResolver() {
            @Override
            public Resolution resolve(String method, String path) {
                return Resolution.notFound();
            }

            @Override
            public Resolution resolveWebSocket(String path) {
                return Resolution.found(ws);
            }
        };
        Dispatcher dispatcher = new Dispatcher(routes, Runnable::run);
        WebSocketUpgrade upgrade = new WebSocketUpgrade(dispatcher, WebSocketSettings.defaults());
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                HttpEngine.initPipeline(c, EngineSettings.defaults(), dispatcher, upgrade);
            }
        });
        OpenConnections connections = new OpenConnections();
        connections.add(ch);
        Consumer<OpenConnections> ask = request.equals("shutdown") ? OpenConnections::shutdownAll : OpenConnections::retireAll;
        ask.accept(connections); // asked while the connection speaks HTTP/1.1
        ch.writeInbound(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.ISO_8859_1)); // then runs the request
        StringBuilder out = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ((ByteBuf) o).release();
        }
        assertTrue(out.toString().startsWith("HTTP/1.1 101 "), out.toString());
        assertTrue(out.toString().endsWith(GOING_AWAY), out.toString());
        ch.finishAndReleaseAll();
    }
}
