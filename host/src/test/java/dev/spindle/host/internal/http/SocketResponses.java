package dev.spindle.host.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** What the engine tests read off a real socket: HTTP/1.1 responses framed by Content-Length. */
final class SocketResponses {

    private SocketResponses() {
    }

    /** Reads one response framed by Content-Length: its head and its body. */
    static String readResponse(InputStream in) throws IOException {
        String h = readHead(in);
        int at = h.indexOf("Content-Length: ");
        int length = Integer.parseInt(h.substring(at + 16, h.indexOf("\r\n", at)));
        return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    /** Reads a response head alone, through its blank line. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
