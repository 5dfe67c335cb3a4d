package dev.spindle.host.internal.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Behind {@code /metrics} of the admin listener: a Prometheus registry of the server's metrics
 * ({@link ServerCollector}, read from the engine's own counters at scrape time, so the request path
 * pays nothing for them) and the Prometheus Java client's JVM metrics (memory, GC, threads, class
 * loading, buffer pools), written in the format the scraper's {@code Accept} asks for: the
 * Prometheus text format by default, OpenMetrics text when asked.
 */
final class Metrics {

    /** A scrape: the body and its {@code Content-Type}. */
    record Scrape(byte[] body, String contentType) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();

    Metrics(Supplier<ServerProbe> probe, BundleContext context) {
        registry.register(new ServerCollector(probe, id -> {
            org.osgi.framework.Bundle b = context == null ? null : context.getBundle(id);
            return b == null ? "" : b.getVersion().toString();
        }));
        JvmMetrics.builder().register(registry);
    }

    /** The metrics now, in the format {@code accept} (null: none) prefers among the text formats. */
    Scrape scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!writer.isAvailable()) { // protobuf asked for: the client's protobuf module is not embedded
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Scrape(out.toByteArray(), writer.getContentType());
    }
}
