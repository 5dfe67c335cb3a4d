package dev.spindle.host.internal.http.exchange;

import java.util.function.Consumer;

import dev.spindle.api.HttpException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Data path: beneath a {@link Response}, the protocol that frames it (HTTP/1.1 today, an HTTP/2
 * stream next). The response keeps Node's semantics and calls down through this interface only;
 * every method but {@link #loop()}, {@link #alloc()}, {@link #bodyBuffer} and
 * {@link #connectionWritable()} is called on the event loop.
 */
public interface ResponseSink {

    /** The event loop that owns the exchange: every state change of the response happens there. */
    EventLoop loop();

    ByteBufAllocator alloc();

    /** A buffer for {@code length} bytes of body, laid out as the framing likes it (any thread). */
    ByteBuf bodyBuffer(int length);

    /**
     * Fixes the head by the protocol's framing rules (Node's {@code _storeHeader} for HTTP/1.1).
     * Throws {@link HttpException} when the head cannot be framed (trailers without chunking).
     */
    FixedHead fixHead(HeadDraft draft);

    /** Sends {@code 100 Continue}. */
    void sendContinue();

    /**
     * Sends the next part of the response: the fixed head with the first call, then {@code data}
     * (null for none; ownership passes), and with {@code last} the end of the message and its
     * {@code trailers} (null for none). {@code callback} (may be null) hears when the part is in
     * the socket, or why it never will be.
     */
    void send(ByteBuf data, boolean last, HttpHeaders trailers, Consumer<? super HttpException> callback);

    /** Longest text (in chars and in utf8 bytes) that {@link #sendText} is given. */
    int TEXT_LIMIT = 1024;

    /**
     * Sends the fixed head with the whole body, {@code text} ({@code bytes} long in utf8, at most
     * {@link #TEXT_LIMIT}), and the end of the message: {@link #send} of its bytes unless the
     * protocol writes text more directly.
     */
    default void sendText(String text, int bytes, HttpHeaders trailers) {
        ByteBuf data = alloc().buffer(bytes);
        ByteBufUtil.reserveAndWriteUtf8(data, text, bytes);
        send(data, true, trailers, null);
    }

    /** Whether a write now would go out without waiting: nothing held back, the socket buffer below its mark. */
    boolean writable();

    /** Whether the connection's write buffer is below its high-water mark (any thread). */
    boolean connectionWritable();

    /** Gives up the response: what was sent is flushed, then the connection (or stream) is closed. */
    void cutOff();

    /** Whether the head carries a reason phrase: not on HTTP/2, where {@code statusMessage} reads {@code ""}. */
    default boolean reasonPhrase() {
        return true;
    }

    /** The handler gave a status message this protocol has no place for (see {@link #reasonPhrase()}). */
    default void statusMessageIgnored() {
    }
}
