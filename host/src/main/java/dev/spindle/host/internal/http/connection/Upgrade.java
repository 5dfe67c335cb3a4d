package dev.spindle.host.internal.http.connection;

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
}
