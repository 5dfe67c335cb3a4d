package dev.spindle.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** A raw-socket HTTP/1.1 client for tests: exact bytes, nothing hidden by a client library. */
final class Http {

    private Http() {
    }

    /** Ports {@link #freePort()} handed out in this JVM: none is handed out twice. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /**
     * A loopback port nothing listens on now, below the kernel's ephemeral range and not handed out
     * before in this JVM. A port from {@code bind(0)} lies in the ephemeral range, where the kernel also
     * picks the local port of every outgoing connection: in the seconds before a container binds the
     * port it was given, a client connection of the suite or of another container could take it (a
     * fresh clone's CI saw a container's console fail with "Address already in use"). Below that range
     * only an explicit bind takes a port.
     */
    static synchronized int freePort() {
        int high = ephemeralLow();
        int low = Math.max(1024, high - 12_000);
        int start = ThreadLocalRandom.current().nextInt(low, high);
        for (int i = 0; i < high - low; i++) {
            int port = low + (start - low + i) % (high - low);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            } catch (IOException taken) {
                continue;
            }
            HANDED_OUT.add(port);
            return port;
        }
        throw new IllegalStateException("no free port in " + low + "-" + (high - 1));
    }

    /** The first port of the kernel's ephemeral range (Linux: net.ipv4.ip_local_port_range). */
    private static int ephemeralLow() {
        try {
            // (not Files.readString: it sizes its read by the file's size, which /proc reports as 0)
            String range = Files.readAllLines(Paths.get("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 2048 ? low : 32_768;
        } catch (IOException | RuntimeException unknown) {
            return 32_768;
        }
    }

    /** One response: status, raw head, body (read by Content-Length, chunked or until close). */
    static final class Response {
        final int status;
        final String head;
        final String body;
        /** Trailer lines of a chunked body, each ending in CRLF; empty otherwise. */
        final String trailers;

        Response(int status, String head, String body, String trailers) {
            this.status = status;
            this.head = head;
            this.body = body;
            this.trailers = trailers;
        }
    }

    static Response get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return read(s.getInputStream());
        }
    }

    /**
     * A chunked POST of {@code chunks}, the head and first chunk sent before the rest (so that the
     * server sees a body still arriving), {@code Connection: close}.
     */
    static Response postChunked(int port, String path, String... chunks) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            StringBuilder first = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
            StringBuilder rest = new StringBuilder();
            for (int i = 0; i < chunks.length; i++) {
                (i == 0 ? first : rest).append(Integer.toHexString(chunks[i].length())).append("\r\n")
                        .append(chunks[i]).append("\r\n");
            }
            rest.append("0\r\n\r\n");
            s.getOutputStream().write(first.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.getOutputStream().write(rest.toString().getBytes(StandardCharsets.ISO_8859_1));
            return read(s.getInputStream());
        }
    }

    /** Polls {@code path} until it answers 200 or {@code limit} passes. */
    static boolean awaitOk(int port, String path, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get(port, path).status == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        return false;
    }

    static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the head: " + head);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(h.substring(9, 12));
        String lower = h.toLowerCase(Locale.ROOT);
        String body;
        StringBuilder trailers = new StringBuilder();
        int cl = lower.indexOf("\r\ncontent-length: ");
        if (cl >= 0) {
            int n = Integer.parseInt(h.substring(cl + 18, h.indexOf("\r\n", cl + 2)).trim());
            body = new String(in.readNBytes(n), StandardCharsets.UTF_8);
        } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    for (String t = line(in); !t.isEmpty(); t = line(in)) {
                        trailers.append(t).append("\r\n");
                    }
                    break;
                }
                out.write(in.readNBytes(size));
                line(in);
            }
            body = out.toString(StandardCharsets.UTF_8);
        } else {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Response(status, h, body, trailers.toString());
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
