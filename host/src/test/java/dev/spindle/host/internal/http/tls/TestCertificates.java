package dev.spindle.host.internal.http.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Certificates made by the tests, never committed: a self-signed pair for localhost from the
 * {@code openssl} command (OpenSSL 3 writes the PKCS#8 key the server reads).
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** A new pair in {@code dir}: {@code NAME.key} and {@code NAME.crt}, with serial {@code serialHex}. */
    public static Path[] make(Path dir, String name, String serialHex) throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path cert = dir.resolve(name + ".crt");
        Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-set_serial", "0x" + serialHex, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl req failed: " + out);
        }
        return new Path[] {cert, key};
    }

    /** Puts {@code from} in place of {@code to} as an operator should: written aside, then renamed. */
    public static void replace(Path from, Path to) throws IOException {
        Path aside = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, aside, StandardCopyOption.REPLACE_EXISTING);
        Files.move(aside, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A client context that trusts any certificate: the tests look at which one they got. */
    public static SSLContext trustAll() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }
}
