package dev.spindle.host.internal.http.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.TrustManagerFactory;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * Outside the data path: one certificate and key as loaded from their PEM files, with the
 * {@link SslContext} that new handshakes use. Loading refuses, with a message naming the file, a
 * pair that does not belong together (a key from another certificate, or one of the two files
 * still half written), so that a bad pair never replaces a good one.
 *
 * @param context  what new handshakes use
 * @param chain    the certificate first, then its chain
 * @param provider {@code openssl (BoringSSL ...)} or {@code jdk}
 * @param loadedAt when it was loaded
 * @param stamp    the files' modification times and sizes when they were read (a change means a reload)
 */
record ServedCertificate(SslContext context, X509Certificate[] chain, String provider, Instant loadedAt,
        String stamp) {

    /** Loads the pair {@code settings} names; throws {@link TlsSettings.Invalid} saying why it cannot. */
    static ServedCertificate load(TlsSettings settings, boolean h2) {
        String stamp = stamp(settings);
        X509Certificate[] chain;
        PrivateKey key;
        try {
            chain = PemFiles.certificates(settings.certificateFile().toFile());
        } catch (Exception e) {
            throw new TlsSettings.Invalid("certificateFile", "certificateFile " + settings.certificateFile()
                    + ": no PEM certificate (" + e.getMessage() + ")", e);
        }
        try {
            key = PemFiles.privateKey(settings.privateKeyFile().toFile());
        } catch (Exception e) {
            throw new TlsSettings.Invalid("privateKeyFile", "privateKeyFile " + settings.privateKeyFile()
                    + ": no PEM (PKCS#8) private key (" + e.getMessage() + ")", e);
        }
        if (chain.length == 0) {
            throw new TlsSettings.Invalid("certificateFile", "certificateFile " + settings.certificateFile() + ": no certificate in it", null);
        }
        if (!matches(key, chain[0])) {
            throw new TlsSettings.Invalid("privateKeyFile", "privateKeyFile " + settings.privateKeyFile()
                    + " is not the key of the certificate in " + settings.certificateFile(), null);
        }
        SslProvider provider = provider(settings.provider());
        List<String> offered = settings.offered(h2);
        try {
            SslContext context = SslContextBuilder.forServer(key, chain)
                    .sslProvider(provider)
                    .trustManager(noTrustAnchors())
                    .protocols(settings.protocols())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, offered))
                    .build();
            String name = provider == SslProvider.OPENSSL ? "openssl (" + OpenSsl.versionString() + ")" : "jdk";
            return new ServedCertificate(context, chain, name, Instant.now(), stamp);
        } catch (Exception e) {
            throw new TlsSettings.Invalid("tlsProtocols", "cannot make a TLS context of " + settings.certificateFile()
                    + " with " + settings.protocols() + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The server never asks a client for a certificate, so it trusts none: without a trust manager of
     * its own, building the context (at start and on every reload) reads and parses the JDK's whole
     * {@code cacerts} store, about 150 certificates, to verify client certificates it never gets.
     */
    private static TrustManagerFactory noTrustAnchors() throws GeneralSecurityException, IOException {
        KeyStore empty = KeyStore.getInstance(KeyStore.getDefaultType());
        empty.load(null, null);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(empty);
        return factory;
    }

    /** The provider {@code tlsProvider} names: {@code auto} takes OpenSSL where it loads. */
    static SslProvider provider(String name) {
        switch (name) {
            case "jdk":
                return SslProvider.JDK;
            case "openssl":
                if (!OpenSsl.isAvailable()) {
                    throw new TlsSettings.Invalid("tlsProvider", "tlsProvider: openssl is not available here ("
                            + OpenSsl.unavailabilityCause() + ")", null);
                }
                return SslProvider.OPENSSL;
            default:
                return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        }
    }

    /**
     * Whether {@code key} signs what {@code certificate}'s public key verifies. A key type without a
     * signature here to try (none of the usual ones) is left to the TLS context to judge.
     */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519 and Ed448 name their own signature
        };
        Signature sign;
        try {
            sign = Signature.getInstance(algorithm);
        } catch (java.security.NoSuchAlgorithmException e) {
            return true;
        }
        try {
            byte[] probe = "does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certificate.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The two files' identities, modification times and sizes: what the watch compares. */
    static String stamp(TlsSettings settings) {
        return stamp(settings.certificateFile()) + "|" + stamp(settings.privateKeyFile());
    }

    private static String stamp(Path file) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class);
            // the file key (device and inode) changes with every rename into place, whatever the time
            return a.fileKey() + ":" + a.lastModifiedTime().toMillis() + ":" + a.size();
        } catch (java.io.IOException e) {
            return "missing";
        }
    }

    X509Certificate certificate() {
        return chain[0];
    }

    /** The subject alternative names as {@code DNS:name} or {@code IP:address}. */
    List<String> subjectAlternativeNames() {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate().getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    int type = (Integer) n.get(0);
                    String kind = type == 2 ? "DNS" : type == 7 ? "IP" : type == 1 ? "email" : type == 6 ? "URI" : "type" + type;
                    out.add(kind + ":" + n.get(1));
                }
            }
        } catch (CertificateParsingException e) {
            out.add("(unreadable: " + e.getMessage() + ")");
        }
        return out;
    }
}
