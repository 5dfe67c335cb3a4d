package bench;

import java.util.List;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * The Vert.x HTTP/2 peer of bench/h2.sh (a load generator's server, outside Spindle's data path):
 * Vert.x core 5.2.0 on Netty 4.2.18, native epoll, one event loop per server. Two servers in one
 * process: h2c (prior knowledge and Upgrade, beside HTTP/1.1) on the first port and h2 over TLS with
 * ALPN (h2, http/1.1) on the second, with the JDK's TLS or OpenSSL (BoringSSL), the PEM pair given.
 *
 * GET /hello  -> 200 "hello world", content-type text/plain, content-length 11 (Node's hello)
 * GET /stream -> 200, 64 KiB as 16 writes of 4 KiB, no length
 *
 * Usage: java -jar vertx-h2.jar H2C_PORT TLS_PORT CERT.pem KEY.pem jdk|openssl   (127.0.0.1 only)
 */
public final class VertxH2 {
    private static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain");
    private static final CharSequence OCTETS = HttpHeaders.createOptimized("application/octet-stream");
    private static final Buffer HELLO = Buffer.buffer("hello world");
    private static final Buffer CHUNK = Buffer.buffer(new byte[4096]);
    private static final int CHUNKS = 16;

    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: java -jar vertx-h2.jar H2C_PORT TLS_PORT CERT.pem KEY.pem jdk|openssl");
            System.exit(2);
        }
        int h2cPort = Integer.parseInt(args[0]);
        int tlsPort = Integer.parseInt(args[1]);
        boolean openssl = switch (args[4]) {
            case "openssl" -> true;
            case "jdk" -> false;
            default -> throw new IllegalArgumentException("engine must be jdk or openssl, not " + args[4]);
        };
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        String transport = vertx.isNativeTransportEnabled() ? "native(epoll)" : "nio";

        HttpServerOptions clear = new HttpServerOptions().setHttp2ClearTextEnabled(true);
        HttpServerOptions tls = new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(args[2]).setKeyPath(args[3]))
                .setSslEngineOptions(openssl ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions());
        listen(vertx, clear, h2cPort, "h2c", transport);
        listen(vertx, tls, tlsPort, "h2 tls=" + args[4], transport);
    }

    private static void listen(Vertx vertx, HttpServerOptions options, int port, String what, String transport) {
        vertx.createHttpServer(options)
                .requestHandler(VertxH2::handle)
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.printf("vertx-h2 %s transport=%s java=%s listening on 127.0.0.1:%d%n",
                        what, transport, System.getProperty("java.version"), s.actualPort()))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static void handle(HttpServerRequest req) {
        HttpServerResponse res = req.response();
        switch (req.path()) {
            case "/hello":
                res.putHeader(HttpHeaders.CONTENT_TYPE, TEXT_PLAIN).end(HELLO); // sets content-length
                break;
            case "/stream":
                res.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, OCTETS);
                for (int i = 0; i < CHUNKS; i++) {
                    res.write(CHUNK);
                }
                res.end();
                break;
            default:
                res.setStatusCode(404).end();
        }
    }
}
