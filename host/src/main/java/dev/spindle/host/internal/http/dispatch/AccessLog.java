package dev.spindle.host.internal.http.dispatch;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.exchange.Exchange;
import dev.spindle.host.internal.http.exchange.Request;
import dev.spindle.host.internal.router.RouteTarget;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Data path: after an exchange has ended, beside the counters (an HTTP/1.1 connection's or an
 * HTTP/2 stream's {@code exchangeDone}). Writes one line per request, in the combined log format
 * followed by the handler's service id and the latency in milliseconds, to the logger
 * {@value #LOGGER}, which the logging configuration routes to its own file. Called only when
 * {@code accessLog} is on: the request path pays one boolean check when it is off.
 */
public final class AccessLog {

    /** The logger name the logging configuration routes to {@code var/log/access.log}. */
    public static final String LOGGER = "spindle.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final DateTimeFormatter TIME = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneId.systemDefault());

    private AccessLog() {
    }

    /** Logs the ended {@code exchange}: {@code status} 0 when nothing was sent. */
    public static void log(Exchange exchange, int status) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        Request req = exchange.request();
        RouteTarget target = exchange.target();
        long nanos = System.nanoTime() - exchange.startNanos();
        LOG.info(line(req.remoteAddress(), System.currentTimeMillis(), req.method(), req.url(), req.httpVersion(),
                status, exchange.response().bodyBytes(), req.head().headers().get(HttpHeaderNames.REFERER),
                req.head().headers().get(HttpHeaderNames.USER_AGENT), target == null ? -1 : target.serviceId(),
                nanos));
    }

    /**
     * One line: {@code host - - [time] "request line" status bytes "referer" "user agent" service ms},
     * with {@code -} for what is unknown (no status, no body, no handler), quotes and control
     * characters escaped as Apache httpd does.
     */
    static String line(InetSocketAddress client, long epochMillis, String method, String url, String version,
            int status, long bytes, String referer, String userAgent, long serviceId, long nanos) {
        StringBuilder b = new StringBuilder(160);
        b.append(client == null || client.getAddress() == null ? "-" : client.getAddress().getHostAddress());
        b.append(" - - [").append(TIME.format(Instant.ofEpochMilli(epochMillis))).append("] \"");
        escape(b, method).append(' ');
        escape(b, url).append(" HTTP/").append(version).append("\" ");
        b.append(status == 0 ? "-" : Integer.toString(status)).append(' ');
        b.append(bytes == 0 ? "-" : Long.toString(bytes)).append(" \"");
        escape(b, referer == null ? "-" : referer).append("\" \"");
        escape(b, userAgent == null ? "-" : userAgent).append("\" ");
        b.append(serviceId < 0 ? "-" : Long.toString(serviceId)).append(' ');
        long micros = nanos / 1000;
        b.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            b.append(fraction < 10 ? "00" : "0");
        }
        return b.append(fraction).toString();
    }

    private static StringBuilder escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                b.append(c);
            }
        }
        return b;
    }
}
