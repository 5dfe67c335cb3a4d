package dev.spindle.api;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A connection after an {@link UpgradeHandler} took it over: the raw duplex byte stream of Node's
 * {@code net.Socket} in its {@code 'upgrade'} event, the parts a protocol needs.
 *
 * <p>Methods may be called from any thread (calls hop onto the connection's event loop, in order);
 * listeners run on the event loop and must not block. Nothing is read until {@link #onData} is
 * set (bytes wait in the network, as in a paused Node stream); {@link #pause()} and
 * {@link #resume()} stop and restart reading. {@code write} returns {@code false} once more than
 * 64 KiB wait to be written, and {@link #onDrain} runs when they are out.
 *
 * @since 1.3
 */
@ProviderType
public interface UpgradedSocket {

    /**
     * Writes {@code data} (not copied: it must not change afterwards).
     *
     * @return {@code false} when the bytes waiting to be written are over the high-water mark
     */
    boolean write(byte[] data);

    /**
     * Writes {@code data}; {@code callback} runs on the event loop once it is written
     * ({@code null}) or cannot be (the cause).
     *
     * @return as {@link #write(byte[])}
     */
    boolean write(byte[] data, Consumer<Throwable> callback);

    /** Writes {@code text} as ISO-8859-1 (a response head, line by line, as Node's {@code socket.write}). @return as {@link #write(byte[])} */
    boolean write(String text);

    /** Closes the connection once everything written is out. */
    void end();

    /** Closes the connection at once; what was not written yet is dropped. */
    void destroy();

    /** Sets the listener for the bytes received; reading starts with it. */
    UpgradedSocket onData(Consumer<byte[]> listener);

    /** Sets the listener for the end of the connection (by either side): runs once, last. */
    UpgradedSocket onClose(Runnable listener);

    /** Sets the listener for the moment the bytes waiting to be written are out after a {@code write} returned {@code false}. */
    UpgradedSocket onDrain(Runnable listener);

    /** Stops reading. */
    UpgradedSocket pause();

    /** Reads again after {@link #pause()}. */
    UpgradedSocket resume();

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();
}
