package dev.spindle.host.internal.http.tls;

import java.io.File;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import io.netty.handler.ssl.SslContext;

/**
 * Outside the data path: reads PEM certificate chains and private keys with Netty's own reader
 * (the one {@code SslContextBuilder.forServer(File, File)} uses), exposed by {@link SslContext} to
 * its subclasses only. Never instantiated.
 */
abstract class PemFiles extends SslContext {

    private PemFiles() {
    }

    static X509Certificate[] certificates(File file) throws Exception {
        return toX509Certificates(file);
    }

    static PrivateKey privateKey(File file) throws Exception {
        return toPrivateKey(file, null);
    }
}
