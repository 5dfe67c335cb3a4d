package dev.spindle.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One open WebSocket connection, as Node's {@code ws} package shows it: whole messages in and
 * out, ping and pong, the closing handshake, and backpressure on what is sent.
 *
 * <p><b>Threads.</b> Every method may be called from any thread; calls from outside the
 * connection's event loop hop onto it, in the order they were made. Every listener runs on the
 * event loop, one at a time, and must not block; a listener that throws is logged and the socket
 * goes on.
 *
 * <p><b>States</b> ({@link #readyState()}): {@link ReadyState#OPEN} when the handler gets it;
 * {@link ReadyState#CLOSING} once a close frame was sent or received; {@link ReadyState#CLOSED}
 * when the connection is gone, after which {@code onClose} has run exactly once (with the peer's
 * code, or {@link #ABNORMAL_CLOSURE 1006} when the connection ended without a closing handshake).
 * Sending on a socket that is not open does nothing but fail the callback.
 *
 * <p><b>Backpressure.</b> {@link #bufferedAmount()} counts the bytes sent and not yet written to
 * the socket; {@code send} returns {@code false} once it is at or over the host's
 * {@code webSocketHighWaterMarkBytes} (the message is still queued, as Node's {@code write}), and
 * {@link #onDrain} runs when it falls back below half of it.
 *
 * <p><b>Errors the host answers.</b> A protocol violation by the client closes the socket with
 * {@link #PROTOCOL_ERROR 1002}, a text message that is not UTF-8 with {@link #INVALID_PAYLOAD 1007},
 * a frame or message over the host's limits with {@link #MESSAGE_TOO_BIG 1009}; {@code onError}
 * gets the cause first, then {@code onClose} runs.
 *
 * @since 1.3
 */
@ProviderType
public interface WebSocket {

    /** Close code: normal closure. */
    int NORMAL_CLOSURE = 1000;
    /** Close code: the endpoint goes away (the handler was updated or the server stops). */
    int GOING_AWAY = 1001;
    /** Close code: the peer broke the protocol. */
    int PROTOCOL_ERROR = 1002;
    /** Close code: a message of a type the endpoint does not take. */
    int UNSUPPORTED_DATA = 1003;
    /** Close code, never sent: the close frame had no code. */
    int NO_STATUS_RECEIVED = 1005;
    /** Close code, never sent: the connection ended without a closing handshake. */
    int ABNORMAL_CLOSURE = 1006;
    /** Close code: a text message that is not valid UTF-8. */
    int INVALID_PAYLOAD = 1007;
    /** Close code: the message breaks the endpoint's policy. */
    int POLICY_VIOLATION = 1008;
    /** Close code: a frame or message over the endpoint's limit. */
    int MESSAGE_TOO_BIG = 1009;
    /** Close code: the endpoint failed (a handler threw in {@code open}). */
    int INTERNAL_ERROR = 1011;

    /** The {@code ws} package's {@code readyState}, as names. */
    enum ReadyState {
        /** Not open yet; a handler never sees a socket in this state. */
        CONNECTING,
        /** Messages flow both ways. */
        OPEN,
        /** A close frame was sent or received; the connection is ending. */
        CLOSING,
        /** The connection is gone. */
        CLOSED
    }

    /** One whole message received: text or binary, assembled from its frames. */
    final class Message {
        private final boolean binary;
        private final byte[] data;
        private String text;

        private Message(boolean binary, byte[] data, String text) {
            this.binary = binary;
            this.data = data;
            this.text = text;
        }

        /** A text message. */
        public static Message text(String text) {
            return new Message(false, null, text);
        }

        /** A binary message; {@code data} is kept, not copied. */
        public static Message binary(byte[] data) {
            return new Message(true, data, null);
        }

        /** Whether the message is binary (opcode 2) rather than text (opcode 1). */
        public boolean isBinary() {
            return binary;
        }

        /** The text; for a binary message, its bytes decoded as UTF-8 (invalid sequences replaced). */
        public String text() {
            if (text == null) {
                text = new String(data, StandardCharsets.UTF_8);
            }
            return text;
        }

        /** The bytes: a binary message's payload, or the UTF-8 encoding of a text message. */
        public byte[] bytes() {
            return data != null ? data : text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return binary ? "binary message of " + data.length + " bytes" : "text message of " + text.length() + " chars";
        }
    }

    /** Gets each message received. */
    @ConsumerType
    @FunctionalInterface
    interface MessageListener {
        /** @param message one whole message */
        void onMessage(Message message);
    }

    /** Gets the end of the socket. */
    @ConsumerType
    @FunctionalInterface
    interface CloseListener {
        /**
         * @param code the peer's close code, {@link #NO_STATUS_RECEIVED 1005} if its close frame had
         *        none, {@link #ABNORMAL_CLOSURE 1006} if there was no closing handshake, or the
         *        code the host closed with
         * @param reason the close frame's reason, or the empty string
         */
        void onClose(int code, String reason);
    }

    /**
     * Sends a text message.
     *
     * @return {@code false} if {@link #bufferedAmount()} is now at or over the high-water mark
     *         (the message is queued all the same); wait for {@link #onDrain} before sending more
     */
    boolean send(String text);

    /**
     * Sends a text message; {@code callback} runs on the event loop once it was written to the
     * socket ({@code null}) or could not be ({@code the cause}).
     *
     * @return as {@link #send(String)}
     */
    boolean send(String text, Consumer<Throwable> callback);

    /** Sends a binary message; {@code data} must not change afterwards. @return as {@link #send(String)} */
    boolean send(byte[] data);

    /** Sends a binary message with a completion callback, as {@link #send(String, Consumer)}. */
    boolean send(byte[] data, Consumer<Throwable> callback);

    /** Sends the remaining bytes of {@code data} as a binary message (they are copied). @return as {@link #send(String)} */
    boolean send(ByteBuffer data);

    /** Sends a buffer's remaining bytes as a binary message with a completion callback, as {@link #send(String, Consumer)}. */
    boolean send(ByteBuffer data, Consumer<Throwable> callback);

    /** Bytes sent and not yet written to the socket (framing not counted). */
    long bufferedAmount();

    /** Runs {@code listener} each time {@link #bufferedAmount()} falls below half the high-water mark after a {@code send} returned {@code false}. */
    WebSocket onDrain(Runnable listener);

    /**
     * Sends a ping; the peer answers with a pong carrying the same data ({@link #onPong}).
     *
     * @param data at most 125 bytes (an empty array for none)
     * @throws IllegalArgumentException if {@code data} is longer than 125 bytes
     */
    void ping(byte[] data);

    /**
     * Sends an unsolicited pong (the host answers pings by itself).
     *
     * @param data at most 125 bytes
     * @throws IllegalArgumentException if {@code data} is longer than 125 bytes
     */
    void pong(byte[] data);

    /** Starts the closing handshake with {@link #NORMAL_CLOSURE 1000} and no reason. */
    void close();

    /**
     * Starts the closing handshake: sends a close frame, then waits (at most the host's
     * {@code webSocketCloseTimeoutMillis}) for the peer's before closing the connection. Does
     * nothing if the socket is already closing.
     *
     * @param code 1000, 1001, 1002, 1003, 1007 to 1014, or 3000 to 4999
     * @param reason at most 123 bytes of UTF-8, or the empty string
     * @throws IllegalArgumentException for a code that may not be sent or a reason too long
     */
    void close(int code, String reason);

    /** Closes the connection at once, without a closing handshake ({@code onClose} gets 1006). */
    void terminate();

    /** Where the socket is in its life. */
    ReadyState readyState();

    /** The subprotocol chosen in the handshake, or the empty string. */
    String protocol();

    /** The extensions negotiated in the handshake ({@code permessage-deflate}), or the empty string. */
    String extensions();

    /** Sets the listener for whole messages (one listener: a second replaces the first). */
    WebSocket onMessage(MessageListener listener);

    /** Sets the listener for pings received (the host has answered each with a pong already). */
    WebSocket onPing(Consumer<byte[]> listener);

    /** Sets the listener for pongs received. */
    WebSocket onPong(Consumer<byte[]> listener);

    /** Sets the listener for the end of the socket: runs once, last. */
    WebSocket onClose(CloseListener listener);

    /** Sets the listener for errors (a protocol violation by the peer, a failed write); {@code onClose} follows. */
    WebSocket onError(Consumer<Throwable> listener);

    /** Stops reading from the connection: messages wait in the client and in the network. */
    WebSocket pause();

    /** Reads again after {@link #pause()}. */
    WebSocket resume();

    /** Whether reading is paused. */
    boolean isPaused();
}
