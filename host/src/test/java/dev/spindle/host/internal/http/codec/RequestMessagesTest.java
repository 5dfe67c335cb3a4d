package dev.spindle.host.internal.http.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/** What the decoder hands the connection: a request without a body is one message. */
class RequestMessagesTest {

    private final EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(new HttpDecoderConfig()));

    private void send(String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aRequestWithoutBodyIsOneWholeMessage() {
        send("GET /a?b HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\n\r\n");
        FullHttpRequest first = assertInstanceOf(FullHttpRequest.class, ch.readInbound());
        assertEquals("/a?b", first.uri());
        assertEquals("1", first.headers().get("x-a"));
        assertTrue(first.decoderResult().isSuccess());
        assertFalse(first.content().isReadable());
        assertTrue(first.trailingHeaders().isEmpty());
        FullHttpRequest second = assertInstanceOf(FullHttpRequest.class, ch.readInbound());
        assertEquals("/next", second.uri());
        assertNull(ch.readInbound(), "no separate empty last content");
        ch.finishAndReleaseAll();
    }

    @Test
    void aRequestWithABodyIsItsHeadThenItsContent() {
        send("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok");
        HttpRequest head = ch.readInbound();
        assertFalse(head instanceof HttpContent);
        LastHttpContent body = assertInstanceOf(LastHttpContent.class, ch.readInbound());
        assertEquals("ok", body.content().toString(StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(body);
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusedHeadStaysAsNettyGaveIt() {
        send("GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n");
        HttpRequest head = ch.readInbound();
        assertTrue(head.decoderResult().isFailure(), "obs-fold");
        assertFalse(head instanceof FullHttpRequest, "a refused head is not also a finished body");
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeadWhoseBodyComesInALaterReadIsNotWhole() {
        send("POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n");
        HttpRequest head = ch.readInbound();
        assertFalse(head instanceof HttpContent, "the body is still to come");
        assertEquals("/p", head.uri());
        assertEquals("1", head.headers().get("x-a"));
        assertTrue(head.decoderResult().isSuccess());
        assertNull(ch.readInbound());
        send("2\r\nok\r\n0\r\n\r\nGET /next HTTP/1.0\r\n\r\n");
        HttpContent part = assertInstanceOf(HttpContent.class, ch.readInbound());
        assertEquals("ok", part.content().toString(StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(part);
        ReferenceCountUtil.release(ch.readInbound()); // the last content
        FullHttpRequest next = assertInstanceOf(FullHttpRequest.class, ch.readInbound());
        assertEquals("/next", next.uri());
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeadNettyFailsIsNotWhole() {
        send("GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n");
        HttpRequest head = ch.readInbound();
        assertTrue(head.decoderResult().isFailure(), "a space in a header name");
        assertFalse(head instanceof FullHttpRequest, "a failed head is not also a finished body");
        ch.finishAndReleaseAll();
    }
}
