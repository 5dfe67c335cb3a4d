package dev.spindle.host.internal.http;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The client side of {@link ExchangeThreadingTest}: one connection reading HTTP/1.1 strictly
 * (anything not framed as expected fails), and a response as it received it.
 */
final class StrictHttp {

    static final int WAIT_SECONDS = 5;

    private StrictHttp() {
    }

    /** A response head as received, and its body when framed by {@code Content-Length}. */
    static record Reply(String status, List<String[]> headers, String body) {

        List<String> values(String name) {
            List<String> out = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    out.add(h[1]);
                }
            }
            return out;
        }

        Set<String> names() {
            Set<String> out = new TreeSet<>();
            for (String[] h : headers) {
                out.add(h[0].toLowerCase(Locale.ROOT));
            }
            return out;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(status);
            for (String[] h : headers) {
                sb.append(" | ").append(h[0]).append(": ").append(h[1]);
            }
            return body == null ? sb.toString() : sb.append(" | ").append(body).toString();
        }
    }

    /** One client connection, reading strictly: anything that is not HTTP/1.1 as expected fails. */
    static final class Client implements AutoCloseable {

        final Socket socket;
        private final InputStream in;

        Client(InetSocketAddress at) throws IOException {
            socket = new Socket();
            socket.connect(at, WAIT_SECONDS * 1000);
            socket.setSoTimeout(WAIT_SECONDS * 1000);
            in = new BufferedInputStream(socket.getInputStream());
        }

        void send(String raw) throws IOException {
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        /** The status line and header lines of the next response. */
        Reply head() throws IOException {
            String status = line();
            List<String[]> headers = new ArrayList<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(": ");
                if (colon <= 0) {
                    throw new IOException("not a header line after " + status + ": " + line);
                }
                headers.add(new String[] {line.substring(0, colon), line.substring(colon + 2)});
            }
            return new Reply(status, headers, null);
        }

        /** The next response, which must be framed by exactly one {@code Content-Length}. */
        Reply reply() throws IOException {
            Reply head = head();
            List<String> lengths = head.values("Content-Length");
            if (lengths.size() != 1 || !head.values("Transfer-Encoding").isEmpty()) {
                throw new IOException("not framed by one Content-Length: " + head);
            }
            int length = Integer.parseInt(lengths.get(0));
            byte[] body = in.readNBytes(length);
            if (body.length != length) {
                throw new EOFException(body.length + " of " + length + " body bytes: " + head);
            }
            return new Reply(head.status(), head.headers(), new String(body, StandardCharsets.ISO_8859_1));
        }

        /** The next chunk of a chunked body; "" for the last one (after which the empty trailer is read). */
        String chunk() throws IOException {
            int size = Integer.parseInt(line(), 16);
            String data = new String(in.readNBytes(size), StandardCharsets.ISO_8859_1);
            if (data.length() != size) {
                throw new EOFException(data.length() + " of " + size + " chunk bytes");
            }
            String end = line();
            if (!end.isEmpty()) {
                throw new IOException("chunk not followed by CRLF: " + end);
            }
            return data;
        }

        /** Everything until the server closes the connection. */
        String rest() throws IOException {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            try {
                for (int b = in.read(); ; b = in.read()) {
                    if (b < 0) {
                        throw new EOFException("connection closed after \"" + sb + "\"");
                    }
                    if (b == '\n' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '\r') {
                        sb.setLength(sb.length() - 1);
                        return sb.toString();
                    }
                    sb.append((char) b);
                    if (sb.length() > 8192) {
                        throw new IOException("line longer than 8 KiB: " + sb.substring(0, 80));
                    }
                }
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("nothing more within " + WAIT_SECONDS + " s after \"" + sb + "\"");
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
