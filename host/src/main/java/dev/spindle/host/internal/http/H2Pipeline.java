package dev.spindle.host.internal.http;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.dispatch.Dispatcher;
import io.netty.channel.Channel;

/**
 * The seam where the HTTP/2 layer plugs into the engine: what a connection's pipeline becomes
 * once it speaks h2. Over TLS, {@link HttpEngine#startTls} calls it on the channel's event loop
 * when ALPN chose {@code h2}: the channel is active, its {@code SslHandler} is in the pipeline
 * (and stays), nothing else after it; add the HTTP/2 handlers with {@code addLast}. Bytes the
 * client sent after its handshake reach them once this returns. Without an implementation
 * ({@code null}), ALPN offers {@code http/1.1} only and every TLS connection speaks HTTP/1.1.
 */
@FunctionalInterface
public interface H2Pipeline {

    /** Adds the HTTP/2 handlers for {@code ch}, with the limits of {@code settings}, dispatching to {@code dispatcher}. */
    void initPipeline(Channel ch, EngineSettings settings, Dispatcher dispatcher);
}
