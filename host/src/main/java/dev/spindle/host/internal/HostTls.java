package dev.spindle.host.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpServer.TlsInfo;
import dev.spindle.host.internal.http.tls.TlsContexts;
import dev.spindle.host.internal.http.tls.TlsSettings;

/**
 * Beside the data path, in the server component: the certificate the TLS listener serves, across
 * configurations. Loaded on its own thread at activation while the cleartext listener binds,
 * reconfigured for new handshakes or replaced when a TLS key changes, put back when a change is
 * refused, closed at deactivation; and the {@link TlsInfo} view of it. A certificate that does not
 * load is refused naming the key at fault.
 */
final class HostTls {

    private static final Logger LOG = LoggerFactory.getLogger(SpindleHost.class);
    /** How often the certificate files are looked at for a rotation. */
    private static final long CERTIFICATE_POLL_MILLIS = 1000;

    /** Watched for changes; null without {@code tlsPort}. */
    private volatile TlsContexts current;

    TlsContexts current() {
        return current;
    }

    /** Starts loading the certificate {@code cfg} names on its own thread; null without {@code tlsPort}. */
    static CompletableFuture<TlsContexts> load(HostConfiguration cfg) {
        return cfg.tlsPort() == 0 ? null
                : CompletableFuture.supplyAsync(() -> open(cfg), task -> new Thread(task, "spindle-tls-load").start());
    }

    /** The certificate {@link #load} loaded is in effect from now on; throws what refused it (a key named). */
    TlsContexts loaded(CompletableFuture<TlsContexts> certificate) throws InterruptedException {
        try {
            current = certificate.get();
            return current;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("The TLS certificate did not load: " + e.getCause(), e.getCause());
        }
    }

    /** Loads the certificate {@code cfg} names and starts watching it; refused with the key at fault. */
    private static TlsContexts open(HostConfiguration cfg) {
        try {
            return new TlsContexts(ConfigKeys.tls(cfg), true, CERTIFICATE_POLL_MILLIS);
        } catch (TlsSettings.Invalid e) {
            throw new ConfigKeys.InvalidKey(e.key, ConfigKeys.KEYS.get(e.key).apply(cfg), e.getMessage());
        }
    }

    /**
     * The certificate holder for {@code cfg}: a new one when TLS turns on, the one in effect
     * (reconfigured for new handshakes if a TLS key changed) otherwise, none when it turns off.
     * The one in effect before is the caller's to close once the change is applied, or to put
     * back with {@link #undo}.
     */
    void change(HostConfiguration cfg, List<String> changed) {
        if (cfg.tlsPort() == 0) {
            current = null;
        } else if (current == null) {
            current = open(cfg);
        } else if (changed.stream().anyMatch(ConfigKeys.TLS::contains)) {
            try {
                current.configure(ConfigKeys.tls(cfg));
            } catch (TlsSettings.Invalid e) {
                throw new ConfigKeys.InvalidKey(e.key, ConfigKeys.KEYS.get(e.key).apply(cfg), e.getMessage());
            }
        }
    }

    /** The listener could not change: the holder goes back to {@code before} and what {@code cfg} said. */
    void undo(TlsContexts before, HostConfiguration cfg) {
        if (current != before && current != null) {
            current.close();
        } else if (current != null) {
            try {
                current.configure(ConfigKeys.tls(cfg));
            } catch (TlsSettings.Invalid e) {
                LOG.warn("The TLS configuration in effect could not be restored: {}", e.getMessage());
            }
        }
        current = before;
    }

    void close() {
        TlsContexts t = current;
        if (t != null) {
            t.close();
            current = null;
        }
    }

    /** What {@code spindle:tls} shows; null when no TLS listener listens ({@code at} null). */
    TlsInfo info(InetSocketAddress at) {
        TlsContexts t = current;
        if (t == null || at == null) {
            return null;
        }
        TlsContexts.Info i = t.info();
        return new Tls(at, i.provider(), i.applicationProtocols(), i.protocols(), i.subject(), i.subjectAlternativeNames(),
                i.serialNumber(), i.notAfter(), i.loadedAt());
    }

    private record Tls(InetSocketAddress address, String provider, List<String> applicationProtocols,
            List<String> protocols, String subject, List<String> subjectAlternativeNames, String serialNumber,
            Instant notAfter, Instant loadedAt) implements TlsInfo {
    }
}
