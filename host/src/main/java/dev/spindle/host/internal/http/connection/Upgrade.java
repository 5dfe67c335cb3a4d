package dev.spindle.host.internal.http.connection;

import dev.spindle.host.internal.router.RouteTarget;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * Data path: between the {@link RequestGate} and the dispatch of a request. A request head that
 * passed the gate, carries an {@code Upgrade} header, has no body and arrived with nothing else
 * owed on its connection is offered here first, so that a room above this one (WebSocket) can take
 * the connection over without this room knowing it. One instance serves every connection of an
 * engine: it keeps no state of its own.
 */
@FunctionalInterface
public interface Upgrade {

    /**
     * Whether {@code head} is taken: then it owns {@code head} (releases it) and either took the
     * channel over (the {@link HttpConnection} is no longer in the pipeline) or had the connection
     * {@link HttpConnection#refuse refuse} it. Otherwise the request is an ordinary one.
     *
     * @param ctx the connection's context, on its event loop
     */
    boolean take(FullHttpRequest head, HttpConnection connection, ChannelHandlerContext ctx);

    /**
     * The handler that serves a connection once an {@code Upgrade} took it over, last in its
     * pipeline: what the engine asks of it when the host ends what a handler serves or stops.
     */
    interface Served extends ChannelHandler {

        /**
         * What {@code which} serves (null: everything) ends: the protocol's way of going away
         * (WebSocket: close 1001), else the connection closes. On the connection's event loop.
         */
        void end(RouteTarget which);
    }
}
