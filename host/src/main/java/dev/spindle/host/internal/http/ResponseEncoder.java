package dev.spindle.host.internal.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Pipeline position: after the request decoder, before {@link HttpConnection}. Netty's response
 * encoder, told by each {@link OutgoingHead} whether a body may follow, and leaving the headers
 * exactly as the response writer set them: the writer already applied Node's framing rules, so
 * nothing may be added or stripped here.
 */
final class ResponseEncoder extends HttpResponseEncoder {

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (msg instanceof OutgoingHead) {
            return !((OutgoingHead) msg).hasBody();
        }
        return super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
        // the response writer owns the headers
    }
}
