package bench;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The Jetty HTTP/2 peer of bench/h2.sh (a load generator's server, outside Spindle's data path):
 * Jetty 12.1 core (a non-blocking Handler, no servlets, default thread pool), h2c beside HTTP/1.1 on
 * the first port and h2 over the JDK's TLS with ALPN (h2, http/1.1) on the second, with the PEM pair
 * given (loaded into an in-memory key store).
 *
 * GET /hello  -> 200 "hello world", content-type text/plain, content-length 11 (Node's hello)
 * GET /stream -> 200, 64 KiB as 16 writes of 4 KiB, no length
 *
 * Usage: java -jar jetty-h2.jar H2C_PORT TLS_PORT CERT.pem KEY.pem   (127.0.0.1 only)
 */
public final class JettyH2 {
    private static final HttpField TEXT_PLAIN = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/plain");
    private static final HttpField OCTETS = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/octet-stream");
    private static final ByteBuffer HELLO = direct("hello world".getBytes(StandardCharsets.US_ASCII));
    private static final ByteBuffer CHUNK = direct(new byte[4096]);
    private static final int CHUNKS = 16;
    private static final String STORE_PASSWORD = "bench";

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: java -jar jetty-h2.jar H2C_PORT TLS_PORT CERT.pem KEY.pem");
            System.exit(2);
        }
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();

        ServerConnector clear = new ServerConnector(server,
                new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        clear.setHost("127.0.0.1");
        clear.setPort(Integer.parseInt(args[0]));
        clear.setAcceptQueueSize(1024);

        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore(Path.of(args[2]), Path.of(args[3])));
        ssl.setKeyStorePassword(STORE_PASSWORD);
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        ServerConnector tls = new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                new HTTP2ServerConnectionFactory(http), new HttpConnectionFactory(http));
        tls.setHost("127.0.0.1");
        tls.setPort(Integer.parseInt(args[1]));
        tls.setAcceptQueueSize(1024);

        server.addConnector(clear);
        server.addConnector(tls);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                switch (Request.getPathInContext(request)) {
                    case "/hello":
                        response.getHeaders().put(TEXT_PLAIN);
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, HELLO.remaining());
                        response.write(true, HELLO.slice(), callback);
                        return true;
                    case "/stream":
                        response.getHeaders().put(OCTETS);
                        writeChunks(response, 0, callback);
                        return true;
                    default:
                        return false; // Jetty answers 404
                }
            }
        });
        server.start();
        System.out.printf("jetty-h2 %s java=%s listening on 127.0.0.1:%s (h2c) and :%s (h2, JDK TLS)%n",
                Server.getVersion(), System.getProperty("java.version"), args[0], args[1]);
        server.join();
    }

    /** The PEM certificate chain and PKCS#8 key (what openssl req writes) as a PKCS#12 store in memory. */
    private static KeyStore keyStore(Path cert, Path key) throws Exception {
        Certificate[] chain;
        try (InputStream in = Files.newInputStream(cert)) {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        }
        String pem = Files.readString(key, StandardCharsets.US_ASCII);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(key + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY)");
        }
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey privateKey = KeyFactory.getInstance(chain[0].getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("bench", privateKey, STORE_PASSWORD.toCharArray(), chain);
        return store;
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().asReadOnlyBuffer();
    }

    /** Writes chunk i, then the rest from its completion callback; the last write ends the response. */
    private static void writeChunks(Response response, int i, Callback done) {
        if (i == CHUNKS) {
            response.write(true, BufferUtil.EMPTY_BUFFER, done);
        } else {
            response.write(false, CHUNK.slice(), Callback.from(() -> writeChunks(response, i + 1, done), done::failed));
        }
    }
}
