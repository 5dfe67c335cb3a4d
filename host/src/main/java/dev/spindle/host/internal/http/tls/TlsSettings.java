package dev.spindle.host.internal.http.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * Outside the data path: what the HTTPS listener serves, as the configuration component validated
 * it. Immutable; a new configuration makes a new instance, which {@link TlsContexts} loads.
 *
 * @param port                   the TLS port; 0 for none
 * @param certificateFile        PEM: the certificate, then its chain
 * @param privateKeyFile         PEM: the certificate's private key (PKCS#8)
 * @param provider               {@code auto} (OpenSSL where it loads, else the JDK), {@code openssl} or {@code jdk}
 * @param protocols              TLS versions enabled, e.g. {@code TLSv1.3, TLSv1.2}
 * @param alpn                   application protocols offered by ALPN, in preference order
 * @param handshakeTimeoutMillis time a new connection has to complete its handshake
 */
public record TlsSettings(int port, Path certificateFile, Path privateKeyFile, String provider,
        List<String> protocols, List<String> alpn, long handshakeTimeoutMillis) {

    /** ALPN's name for HTTP/2 over TLS. */
    public static final String H2 = "h2";
    /** ALPN's name for HTTP/1.1. */
    public static final String HTTP_1_1 = "http/1.1";

    public TlsSettings {
        protocols = List.copyOf(protocols);
        alpn = List.copyOf(alpn);
    }

    /** A value that cannot be served, with the configuration key it came from. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        /** The configuration key at fault. */
        public final String key;

        public Invalid(String key, String message, Throwable cause) {
            super(message, cause);
            this.key = key;
        }
    }

    /** The protocols offered when {@code h2} can be served or not: h2 only with an HTTP/2 layer. */
    public List<String> offered(boolean h2) {
        return h2 ? alpn : alpn.stream().filter(p -> !H2.equals(p)).toList();
    }
}
