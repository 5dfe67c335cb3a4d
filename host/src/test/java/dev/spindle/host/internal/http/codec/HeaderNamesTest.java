package dev.spindle.host.internal.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/** Common request header names decoded as shared instances, with the client's spelling and Netty's checks kept. */
class HeaderNamesTest {

    private static HttpRequest decode(String head) {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(
                new HttpDecoderConfig().setHeadersFactory(HeaderNames.requestHeaders())));
        try {
            ch.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
            return ch.readInbound();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static AsciiString shared(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return HeaderNames.find(bytes, 0, bytes.length);
    }

    @Test
    void commonNamesAreSharedInEitherUsualSpellingAndOthersAreNew() {
        HttpRequest req = decode("GET / HTTP/1.1\r\nHost: a\r\nuser-agent: b\r\nACCEPT: c\r\nX-Custom: d\r\n\r\n");
        List<CharSequence> names = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) req.headers()::iteratorCharSequence) {
            names.add(e.getKey());
        }
        assertEquals(List.of("Host", "user-agent", "ACCEPT", "X-Custom"), names.stream().map(CharSequence::toString).toList());
        assertSame(shared("Host"), names.get(0));
        assertSame(shared("user-agent"), names.get(1));
        assertTrue(HeaderNames.isShared(names.get(0)));
        assertFalse(HeaderNames.isShared(names.get(2)), "an unusual spelling is decoded as before");
        assertFalse(HeaderNames.isShared(names.get(3)));
        assertEquals("c", req.headers().get("accept"));
        ReferenceCountUtil.release(req);
    }

    @Test
    void onlyTheExactSpellingsAreFound() {
        assertNotSame(null, shared("Content-Length"));
        assertEquals(null, shared("Content-Lengtx"));
        assertEquals(null, shared("HoSt"));
        assertEquals(null, shared("Hos"));
        assertEquals(null, shared("X-Some-Header-Name-Longer-Than-Any-Known"));
        assertFalse(HeaderNames.isShared(new AsciiString("Host")), "an equal name made elsewhere is checked as usual");
    }

    @Test
    void namesThatAreNotSharedAreStillValidated() {
        assertTrue(decode("GET / HTTP/1.1\r\nHost: a\r\nHo\u0001st: b\r\n\r\n").decoderResult().isFailure());
        assertTrue(decode("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n").decoderResult().isFailure());
        assertFalse(decode("GET / HTTP/1.1\r\nHost: a\r\nX-Ok: b\r\n\r\n").decoderResult().isFailure());
    }
}
