package dev.spindle.host.internal.http.exchange;

import java.net.InetSocketAddress;

import io.netty.channel.EventLoop;

/**
 * Data path: beneath a {@link Request}, the connection (or stream) its bytes arrive on: where
 * its state lives, its addresses, and its reading, which a held-back or paused body stops.
 */
public interface RequestSource {

    EventLoop loop();

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();

    /** Whether the source is reading now. */
    boolean reading();

    /** Looks again at whether the source should read: a body was paused, resumed, taken or dropped. */
    void updateReading();
}
