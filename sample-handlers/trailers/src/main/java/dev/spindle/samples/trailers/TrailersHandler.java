package dev.spindle.samples.trailers;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * The seed's own example: declare {@code Trailer: Content-MD5} in {@code writeHead}, stream the
 * body, then {@code addTrailers} with the MD5 of what was sent (base64, as RFC 1864 defines
 * {@code Content-MD5}) and {@code end()}. Trailers need chunked encoding, so an HTTP/1.0 client
 * gets the body without them, and without the declaration, which Node refuses on such a response.
 *
 * <pre>
 * $ curl -s --raw localhost:8080/trailers
 * 6
 * line 1
 * ...
 * 0
 * Content-MD5: ...
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/trailers",
    Handler.METHODS + "=GET",
})
public final class TrailersHandler implements Handler {

    @Override
    public void handle(IncomingMessage req, ServerResponse res) throws NoSuchAlgorithmException {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        res.setHeader("Content-Type", "text/plain");
        // an HTTP/1.0 response cannot be chunked, and declaring a Trailer on it throws
        // ERR_HTTP_TRAILER_INVALID (as in Node); its addTrailers below is silently dropped
        res.writeHead(200, req.httpVersion().equals("1.0") ? Map.of() : Map.of("Trailer", "Content-MD5"));
        for (int i = 1; i <= 3; i++) {
            byte[] line = ("line " + i + "\n").getBytes(StandardCharsets.UTF_8);
            md5.update(line);
            res.write(line);
        }
        res.addTrailers(Map.of("Content-MD5", Base64.getEncoder().encodeToString(md5.digest())));
        res.end();
    }
}
