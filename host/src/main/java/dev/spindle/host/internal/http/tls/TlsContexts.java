package dev.spindle.host.internal.http.tls;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Outside the data path, read at each handshake: the certificate the HTTPS listener serves now.
 * Each new handshake asks {@link #mapping()} for the current {@link SslContext}, so that a reload
 * reaches new connections at once while established ones keep the certificate they shook hands
 * with; no listener restarts. A watch polls the two files (modification time and size) and loads
 * them again when either changes; a pair that does not load (mismatched, half written, missing)
 * is refused with a log line naming why, and the certificate in use stays until the files change
 * again. Survives listener replacements: the host owns it, each engine's TLS listener reads it.
 */
public final class TlsContexts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

    private final boolean h2;
    private final ScheduledExecutorService watch;
    private volatile TlsSettings settings;
    private volatile ServedCertificate current;
    /** The stamp of the files last refused, so that one bad pair is logged once, not at every poll. */
    private volatile String refusedStamp;

    /**
     * Loads the certificate {@code settings} names and starts watching its files every
     * {@code pollMillis}; throws {@link IllegalArgumentException} naming the file if it cannot load.
     *
     * @param h2 whether the engine serves h2, so that ALPN may offer it
     */
    public TlsContexts(TlsSettings settings, boolean h2, long pollMillis) {
        this.h2 = h2;
        this.current = ServedCertificate.load(settings, h2);
        this.settings = settings;
        logLoaded("TLS certificate loaded", current);
        this.watch = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("spindle-tls-watch", true));
        watch.scheduleWithFixedDelay(this::reloadIfChanged, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Serves {@code next} from the next handshake on (new files, provider, TLS versions or ALPN
     * list), or throws {@link IllegalArgumentException} and changes nothing if it cannot load.
     */
    public synchronized void configure(TlsSettings next) {
        ServedCertificate loaded = ServedCertificate.load(next, h2);
        settings = next;
        current = loaded;
        refusedStamp = null;
        logLoaded("TLS configuration applied", loaded);
    }

    /** Which context a handshake uses, whatever name the client asked for (or none). */
    public Mapping<String, SslContext> mapping() {
        return host -> current.context();
    }

    public TlsSettings settings() {
        return settings;
    }

    /** The certificate new handshakes get. */
    ServedCertificate current() {
        return current;
    }

    /** What {@code spindle:tls} shows. */
    public Info info() {
        ServedCertificate c = current;
        return new Info(c.provider(), settings.offered(h2), settings.protocols(),
                c.certificate().getSubjectX500Principal().getName(), c.subjectAlternativeNames(),
                c.certificate().getSerialNumber().toString(16), c.certificate().getNotAfter().toInstant(), c.loadedAt());
    }

    /** The certificate in use, for the shell. */
    public record Info(String provider, java.util.List<String> applicationProtocols, java.util.List<String> protocols,
            String subject, java.util.List<String> subjectAlternativeNames, String serialNumber,
            java.time.Instant notAfter, java.time.Instant loadedAt) {
    }

    /** Loads the files again if they changed since they were loaded (or last refused). */
    synchronized void reloadIfChanged() {
        TlsSettings s = settings;
        String stamp = ServedCertificate.stamp(s);
        if (stamp.equals(current.stamp()) || stamp.equals(refusedStamp)) {
            return;
        }
        try {
            ServedCertificate loaded = ServedCertificate.load(s, h2);
            current = loaded;
            refusedStamp = null;
            logLoaded("TLS certificate reloaded; new handshakes use it, open connections keep theirs", loaded);
        } catch (IllegalArgumentException e) {
            refusedStamp = stamp;
            LOG.error("TLS certificate not reloaded, the one loaded at {} (serial {}) stays: {}", current.loadedAt(),
                    current.certificate().getSerialNumber().toString(16), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("TLS certificate watch failed; the certificate in use stays", e);
        }
    }

    private static void logLoaded(String what, ServedCertificate c) {
        LOG.info("{}: {} (serial {}, expires {}) with {}", what, c.certificate().getSubjectX500Principal().getName(),
                c.certificate().getSerialNumber().toString(16), c.certificate().getNotAfter().toInstant(), c.provider());
    }

    /** Stops watching the files. */
    @Override
    public void close() {
        watch.shutdownNow();
    }
}
