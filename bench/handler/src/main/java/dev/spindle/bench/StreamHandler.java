package dev.spindle.bench;

import org.osgi.service.component.annotations.Component;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * The benchmark peers' {@code GET /stream}: 64 KiB written as 16 chunks of 4 KiB, no length, so
 * the response is chunked (the peers' {@code /hello} is the hello sample's).
 */
@Component(property = {
    Handler.ROUTE + "=/stream",
    Handler.METHODS + "=GET",
})
public final class StreamHandler implements Handler {

    private static final byte[] CHUNK = new byte[4096];
    private static final int CHUNKS = 16;

    static {
        java.util.Arrays.fill(CHUNK, (byte) 'x');
    }

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        res.setHeader("Content-Type", "application/octet-stream");
        for (int i = 0; i < CHUNKS; i++) {
            res.write(CHUNK);
        }
        res.end();
    }
}
