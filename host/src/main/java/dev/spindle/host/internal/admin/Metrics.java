package dev.spindle.host.internal.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Behind {@code /metrics} of the admin listener: a Prometheus registry of the server's metrics
 * ({@link ServerCollector}, read from the engine's own counters at scrape time, so the request path
 * pays nothing for them) and the Prometheus Java client's JVM metrics (memory, GC, threads, class
 * loading, compilation, buffer pools, process CPU and files), written in the format the scraper's
 * {@code Accept} asks for: the Prometheus text format by default, OpenMetrics text when asked.
 */
final class Metrics {

    /** A scrape: the body and its {@code Content-Type}. */
    record Scrape(byte[] body, String contentType) {
    }

    private final Supplier<ServerProbe> probe;
    private final BundleContext context;
    /** Made at the first scrape, so that the container's start does not wait for the client's set-up. */
    private PrometheusRegistry registry;
    private ExpositionFormats formats;

    Metrics(Supplier<ServerProbe> probe, BundleContext context) {
        this.probe = probe;
        this.context = context;
    }

    private void init() {
        registry = new PrometheusRegistry();
        formats = ExpositionFormats.init();
        registry.register(new ServerCollector(probe, id -> bundleVersion(context, id)));
        // JvmMetrics without its pool allocation metrics: those add GC notification listeners to
        // the platform MBeans that are never removed, which would keep every earlier instance of
        // the host bundle's class loader alive after an update or refresh
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** The version of the bundle with id {@code id}, "" if it is gone (or there is no framework). */
    static String bundleVersion(BundleContext context, long id) {
        org.osgi.framework.Bundle b = context == null ? null : context.getBundle(id);
        return b == null ? "" : b.getVersion().toString();
    }

    /** The metrics now, in the format {@code accept} (null: none) prefers among the text formats. */
    synchronized Scrape scrape(String accept) {
        if (registry == null) {
            init();
        }
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
