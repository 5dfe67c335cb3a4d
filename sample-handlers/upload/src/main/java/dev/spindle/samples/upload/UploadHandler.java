package dev.spindle.samples.upload;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Decides on an upload before its body is sent. With {@code spindle.checkContinue} the handler is
 * called when the head of an {@code Expect: 100-continue} request arrives: it answers
 * {@code 413} (too large) or {@code 417} (a type it does not take) at once, and the client never
 * sends the body; otherwise {@code writeContinue()} invites the body, which is hashed as it streams
 * in. Requests without {@code Expect} get the same checks.
 *
 * <pre>
 * $ curl -s -H 'Content-Type: text/plain' --data-binary 'some data' localhost:8080/upload
 * received 9 bytes, sha256 1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/upload",
    Handler.METHODS + "=POST,PUT",
    Handler.CHECK_CONTINUE + ":Boolean=true",
})
public final class UploadHandler implements Handler {

    /** The largest upload accepted, bytes. */
    static final long MAX_BYTES = 10L * 1024 * 1024;
    private static final Set<String> TYPES = Set.of("application/octet-stream", "text/plain", "image/png", "image/jpeg");

    @Override
    public void handle(IncomingMessage req, ServerResponse res) throws NoSuchAlgorithmException {
        String length = req.header("content-length");
        String type = req.header("content-type");
        String mediaType = type == null ? "application/octet-stream" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (length == null || Long.parseLong(length) > MAX_BYTES) {
            refuse(res, 413, "send a Content-Length of at most " + MAX_BYTES + " bytes\n");
            return;
        }
        if (!TYPES.contains(mediaType)) {
            refuse(res, 417, "uploads of " + mediaType + " are not taken; send one of " + TYPES + "\n");
            return;
        }
        if (req.header("expect") != null) {
            res.writeContinue();
        }
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long[] received = {0};
        req.onData(chunk -> {
            sha256.update(chunk);
            received[0] += chunk.length;
        });
        req.onEnd(() -> {
            res.setHeader("Content-Type", "text/plain");
            res.end("received " + received[0] + " bytes, sha256 " + HexFormat.of().formatHex(sha256.digest()) + "\n");
        });
    }

    private static void refuse(ServerResponse res, int status, String why) {
        res.statusCode(status);
        res.setHeader("Content-Type", "text/plain");
        res.end(why);
    }
}
