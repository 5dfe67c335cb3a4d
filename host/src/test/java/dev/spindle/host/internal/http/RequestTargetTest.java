package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The request-target's forms (RFC 9112, 3.2) over a real socket: a server must accept the absolute
 * form ({@code GET http://host/path}, what clients send to a proxy) as well as the origin form, so
 * a route matches the path after the authority, while {@code url()} stays as sent, as Node's
 * {@code req.url} does.
 */
class RequestTargetTest {

    @RegisterExtension
    final TestEngine server = new TestEngine();

    private static final Handler ECHO = (req, res) -> res.end(req.url() + " " + req.path());

    /** Two exact routes, {@code /} and {@code /hello}; anything else is not found. */
    private InetSocketAddress start() throws InterruptedException {
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(new RouteTarget(ECHO, 1, false, false));
        return server.startRoutes(EngineSettings.defaults(),
                (method, path) -> path.equals("/") || path.equals("/hello") ? found : HandlerResolver.Resolution.notFound());
    }

    /** Sends {@code GET target} on a new connection; the caller reads the answer and closes it. */
    private static Socket send(InetSocketAddress at, String target) throws Exception {
        Socket s = new Socket(at.getAddress(), at.getPort());
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    private static String get(InetSocketAddress at, String target) throws Exception {
        try (Socket s = send(at, target)) {
            String response = SocketResponses.readResponse(s.getInputStream());
            return response.substring(0, response.indexOf("\r\n")) + " | " + response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    /** The status line of the answer to {@code GET target}, after which the server must close the connection. */
    private static String refused(InetSocketAddress at, String target) throws Exception {
        try (Socket s = send(at, target)) {
            InputStream in = s.getInputStream();
            String head = SocketResponses.readHead(in);
            assertEquals(-1, in.read(), "the connection stays open after " + head);
            return head.substring(0, head.indexOf("\r\n"));
        }
    }

    @Test
    void anAbsoluteFormTargetIsRoutedByThePathAfterItsAuthority() throws Exception {
        InetSocketAddress at = start();
        assertEquals("HTTP/1.1 200 OK | http://localhost/hello?x=1 /hello", get(at, "http://localhost/hello?x=1"));
        assertEquals("HTTP/1.1 200 OK | http://localhost:8080/hello /hello", get(at, "http://localhost:8080/hello"));
        assertEquals("HTTP/1.1 200 OK | http://localhost /", get(at, "http://localhost"));
        assertEquals("HTTP/1.1 200 OK | http://localhost?x=/y /", get(at, "http://localhost?x=/y"));
        assertEquals("HTTP/1.1 404 Not Found", get(at, "http://localhost/other").split(" \\| ")[0]);
    }

    /**
     * A target byte outside visible ASCII (a control byte, DEL, a raw UTF-8 byte a client should
     * have percent-encoded) is answered 400 before any handler sees it, as Node answers it; the
     * percent-encoded form is served.
     */
    @Test
    void aTargetByteOutsideVisibleAsciiIsAnswered400AsNodeDoes() throws Exception {
        InetSocketAddress at = start();
        assertEquals("HTTP/1.1 400 Bad Request", refused(at, "/hel\u0001lo"));
        assertEquals("HTTP/1.1 400 Bad Request", refused(at, "/hello\u007f"));
        assertEquals("HTTP/1.1 400 Bad Request", refused(at, "/hello?q=\u00c3\u00a9"));
        assertEquals("HTTP/1.1 200 OK | /hello?q=%C3%A9 /hello", get(at, "/hello?q=%C3%A9"));
        assertEquals("HTTP/1.1 200 OK | /hello?q=<\"{|}\"> /hello", get(at, "/hello?q=<\"{|}\">"));
    }

    /**
     * A target in none of the forms (origin {@code /...}, asterisk {@code *}, absolute with a scheme
     * of letters and {@code ://}) is answered 400 before any handler sees it, as Node answers it; an
     * absolute form with any such scheme is routed by its path.
     */
    @Test
    void aTargetInNoneOfItsFormsIsAnswered400AsNodeDoes() throws Exception {
        InetSocketAddress at = start();
        for (String target : new String[] {"hello", "hello/world", "?a", "#frag", "x:y", "http:/x/hello", "1abc://x/hello",
            "a+b://x/hello"}) {
            assertEquals("HTTP/1.1 400 Bad Request", refused(at, target), target);
        }
        assertEquals("HTTP/1.1 404 Not Found", get(at, "*").split(" \\| ")[0]);
        assertEquals("HTTP/1.1 200 OK | ftp://x/hello /hello", get(at, "ftp://x/hello"));
        assertEquals("HTTP/1.1 200 OK | HTTPS://x/hello /hello", get(at, "HTTPS://x/hello"));
    }

    @Test
    void anOriginFormTargetIsRoutedByItsPathAsBefore() throws Exception {
        InetSocketAddress at = start();
        assertEquals("HTTP/1.1 200 OK | /hello?next=http://x/y /hello", get(at, "/hello?next=http://x/y"));
        assertEquals("HTTP/1.1 200 OK | / /", get(at, "/"));
    }
}
