package dev.spindle.host.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.http.tls.TlsSettings;
import dev.spindle.host.internal.http.ws.WebSocketSettings;

/**
 * Outside the data path: the keys of PID {@code dev.spindle.host} as {@link SpindleHost} reads
 * them. Every key is read once, by name, before anything is applied, so that a value SCR cannot
 * convert ({@code maxHeaders = lots}) or one out of range is refused with the key's name, and a
 * configuration is applied whole or not at all.
 */
final class ConfigKeys {

    /** The keys in documentation order, each with how to read it. */
    static final Map<String, Function<HostConfiguration, Object>> KEYS = keys();

    /** The keys whose change needs a new listener (address, transport or event loops). */
    static final List<String> LISTENER = List.of("port", "tlsPort", "bindAddress", "transport", "ioThreads");

    /** The keys of the certificate and the handshake: applied to new handshakes without a new listener. */
    static final List<String> TLS = List.of("certificateFile", "privateKeyFile", "tlsProvider", "tlsProtocols", "alpn",
            "tlsHandshakeTimeoutMillis");

    private ConfigKeys() {
    }

    /**
     * Reads and checks every key of {@code cfg}; throws {@link IllegalArgumentException} naming the
     * first bad one and the value given in {@code props}.
     */
    static void validate(HostConfiguration cfg, Map<String, ?> props) {
        for (Map.Entry<String, Function<HostConfiguration, Object>> key : KEYS.entrySet()) {
            try {
                key.getValue().apply(cfg);
            } catch (RuntimeException e) {
                throw invalid(key.getKey(), props.get(key.getKey()), "not a value of the key's type");
            }
        }
        check(cfg.port() >= 0 && cfg.port() <= 65535, "port", cfg.port());
        check(!cfg.bindAddress().isBlank(), "bindAddress", cfg.bindAddress());
        check(cfg.tlsPort() >= 0 && cfg.tlsPort() <= 65535 && (cfg.tlsPort() == 0 || cfg.tlsPort() != cfg.port()),
                "tlsPort", cfg.tlsPort());
        if (cfg.tlsPort() != 0) {
            if (cfg.certificateFile().isBlank()) {
                throw invalid("certificateFile", "", "required when tlsPort is set");
            }
            if (cfg.privateKeyFile().isBlank()) {
                throw invalid("privateKeyFile", "", "required when tlsPort is set");
            }
        }
        check(List.of("auto", "openssl", "jdk").contains(cfg.tlsProvider()), "tlsProvider", cfg.tlsProvider());
        for (String p : list(cfg.tlsProtocols())) {
            check(p.matches("TLSv1(\\.[0-3])?"), "tlsProtocols", cfg.tlsProtocols());
        }
        check(!list(cfg.tlsProtocols()).isEmpty(), "tlsProtocols", cfg.tlsProtocols());
        check(!list(cfg.alpn()).isEmpty() && List.of("h2", "http/1.1").containsAll(list(cfg.alpn())), "alpn", cfg.alpn());
        check(cfg.tlsHandshakeTimeoutMillis() >= 0, "tlsHandshakeTimeoutMillis", cfg.tlsHandshakeTimeoutMillis());
        check(List.of("auto", "epoll", "nio").contains(cfg.transport()), "transport", cfg.transport());
        check(cfg.ioThreads() >= 0, "ioThreads", cfg.ioThreads());
        check(cfg.workerThreads() > 0, "workerThreads", cfg.workerThreads());
        check(cfg.workerQueue() > 0, "workerQueue", cfg.workerQueue());
        check(cfg.workerQueueTimeoutMillis() >= 0, "workerQueueTimeoutMillis", cfg.workerQueueTimeoutMillis());
        check(cfg.maxWorkersPerHandler() >= 0, "maxWorkersPerHandler", cfg.maxWorkersPerHandler());
        check(cfg.maxInitialLineLength() >= 64, "maxInitialLineLength", cfg.maxInitialLineLength());
        check(cfg.maxHeaderSize() >= 256, "maxHeaderSize", cfg.maxHeaderSize());
        check(cfg.maxBodyBytes() >= 0, "maxBodyBytes", cfg.maxBodyBytes());
        check(cfg.keepAliveTimeoutMillis() >= 0, "keepAliveTimeoutMillis", cfg.keepAliveTimeoutMillis());
        check(cfg.headersTimeoutMillis() >= 0, "headersTimeoutMillis", cfg.headersTimeoutMillis());
        check(cfg.maxPipelined() > 0, "maxPipelined", cfg.maxPipelined());
        check(cfg.maxHeaders() > 0, "maxHeaders", cfg.maxHeaders());
        check(cfg.maxRequestBodyBytes() >= 0, "maxRequestBodyBytes", cfg.maxRequestBodyBytes());
        check(cfg.responseTimeoutMillis() >= 0, "responseTimeoutMillis", cfg.responseTimeoutMillis());
        check(cfg.maxConnections() > 0, "maxConnections", cfg.maxConnections());
        check(cfg.blockedLoopWarnMillis() >= 0, "blockedLoopWarnMillis", cfg.blockedLoopWarnMillis());
        check(cfg.failureSummaryMillis() > 0, "failureSummaryMillis", cfg.failureSummaryMillis());
        check(cfg.writeTimeoutMillis() >= 0, "writeTimeoutMillis", cfg.writeTimeoutMillis());
        check(cfg.requestTimeoutMillis() >= 0, "requestTimeoutMillis", cfg.requestTimeoutMillis());
        check(cfg.drainTimeoutMillis() >= 0, "drainTimeoutMillis", cfg.drainTimeoutMillis());
        check(cfg.graceMillis() >= 0, "graceMillis", cfg.graceMillis());
        extraMethods(cfg.extraMethods());
        check(cfg.maxConcurrentStreams() > 0, "maxConcurrentStreams", cfg.maxConcurrentStreams());
        check(cfg.webSocketMaxFrameBytes() >= 125, "webSocketMaxFrameBytes", cfg.webSocketMaxFrameBytes());
        check(cfg.webSocketMaxMessageBytes() >= cfg.webSocketMaxFrameBytes(), "webSocketMaxMessageBytes",
                cfg.webSocketMaxMessageBytes());
        check(cfg.webSocketHighWaterMarkBytes() > 0, "webSocketHighWaterMarkBytes", cfg.webSocketHighWaterMarkBytes());
        check(cfg.webSocketPingIntervalMillis() >= 0, "webSocketPingIntervalMillis", cfg.webSocketPingIntervalMillis());
        check(cfg.webSocketCloseTimeoutMillis() > 0, "webSocketCloseTimeoutMillis", cfg.webSocketCloseTimeoutMillis());
    }

    private static void check(boolean ok, String key, Object value) {
        if (!ok) {
            throw invalid(key, value, "out of range");
        }
    }

    private static InvalidKey invalid(String key, Object value, String why) {
        return new InvalidKey(key, value, why);
    }

    /** A value refused, with its key. */
    static final class InvalidKey extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final String key;
        final transient Object value;

        InvalidKey(String key, Object value, String why) {
            super("dev.spindle.host: invalid " + key + ": " + value + " (" + why + ")");
            this.key = key;
            this.value = value;
        }
    }

    /** The keys whose values differ between {@code before} and {@code after}, in documentation order. */
    static List<String> changed(HostConfiguration before, HostConfiguration after) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Function<HostConfiguration, Object>> key : KEYS.entrySet()) {
            if (!Objects.equals(key.getValue().apply(before), key.getValue().apply(after))) {
                out.add(key.getKey());
            }
        }
        return out;
    }

    /** {@code key = value} for each of {@code keys}, for the log. */
    static String describe(HostConfiguration cfg, List<String> keys) {
        List<String> out = new ArrayList<>();
        for (String key : keys) {
            out.add(key + " = " + KEYS.get(key).apply(cfg));
        }
        return String.join(", ", out);
    }

    /** The connection limits and timeouts of {@code cfg}. */
    static EngineSettings settings(HostConfiguration cfg) {
        return new EngineSettings(cfg.maxInitialLineLength(), cfg.maxHeaderSize(),
                EngineSettings.defaults().maxChunkSize(), cfg.maxBodyBytes(), cfg.keepAliveTimeoutMillis(),
                cfg.headersTimeoutMillis(), cfg.maxPipelined(), cfg.maxHeaders(), cfg.maxRequestBodyBytes(),
                cfg.responseTimeoutMillis(), cfg.maxConnections(), cfg.writeTimeoutMillis(),
                cfg.requestTimeoutMillis(), extraMethods(cfg.extraMethods())).withHttp2(cfg.h2c(), cfg.maxConcurrentStreams());
    }

    /** The WebSocket limits and timers of {@code cfg}. */
    static WebSocketSettings webSocket(HostConfiguration cfg) {
        return new WebSocketSettings(cfg.webSocketMaxFrameBytes(), cfg.webSocketMaxMessageBytes(),
                cfg.webSocketHighWaterMarkBytes(), cfg.webSocketPingIntervalMillis(), cfg.webSocketCloseTimeoutMillis(),
                cfg.webSocketCompression());
    }

    /** The TLS listener's settings of {@code cfg}; file names relative to the working directory (the container's). */
    static TlsSettings tls(HostConfiguration cfg) {
        return new TlsSettings(cfg.tlsPort(), Path.of(cfg.certificateFile()), Path.of(cfg.privateKeyFile()),
                cfg.tlsProvider(), list(cfg.tlsProtocols()), list(cfg.alpn()), cfg.tlsHandshakeTimeoutMillis());
    }

    /** A comma-separated list, trimmed, without empty entries. */
    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String v : value.split(",")) {
            if (!v.isBlank()) {
                out.add(v.trim());
            }
        }
        return out;
    }

    /** The {@code extraMethods} list: comma-separated tokens, upper-cased as methods are matched. */
    static Set<String> extraMethods(String value) {
        Set<String> out = new LinkedHashSet<>();
        for (String m : value.split(",")) {
            String method = m.trim();
            if (!method.isEmpty()) {
                if (!method.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                    throw invalid("extraMethods", value, "not a list of method tokens");
                }
                out.add(method);
            }
        }
        return out;
    }

    private static Map<String, Function<HostConfiguration, Object>> keys() {
        Map<String, Function<HostConfiguration, Object>> k = new LinkedHashMap<>();
        k.put("port", HostConfiguration::port);
        k.put("tlsPort", HostConfiguration::tlsPort);
        k.put("certificateFile", HostConfiguration::certificateFile);
        k.put("privateKeyFile", HostConfiguration::privateKeyFile);
        k.put("tlsProvider", HostConfiguration::tlsProvider);
        k.put("tlsProtocols", HostConfiguration::tlsProtocols);
        k.put("alpn", HostConfiguration::alpn);
        k.put("tlsHandshakeTimeoutMillis", HostConfiguration::tlsHandshakeTimeoutMillis);
        k.put("bindAddress", HostConfiguration::bindAddress);
        k.put("transport", HostConfiguration::transport);
        k.put("ioThreads", HostConfiguration::ioThreads);
        k.put("workerThreads", HostConfiguration::workerThreads);
        k.put("workerQueue", HostConfiguration::workerQueue);
        k.put("workerQueueTimeoutMillis", HostConfiguration::workerQueueTimeoutMillis);
        k.put("maxWorkersPerHandler", HostConfiguration::maxWorkersPerHandler);
        k.put("maxInitialLineLength", HostConfiguration::maxInitialLineLength);
        k.put("maxHeaderSize", HostConfiguration::maxHeaderSize);
        k.put("maxBodyBytes", HostConfiguration::maxBodyBytes);
        k.put("keepAliveTimeoutMillis", HostConfiguration::keepAliveTimeoutMillis);
        k.put("headersTimeoutMillis", HostConfiguration::headersTimeoutMillis);
        k.put("maxPipelined", HostConfiguration::maxPipelined);
        k.put("maxHeaders", HostConfiguration::maxHeaders);
        k.put("maxRequestBodyBytes", HostConfiguration::maxRequestBodyBytes);
        k.put("responseTimeoutMillis", HostConfiguration::responseTimeoutMillis);
        k.put("maxConnections", HostConfiguration::maxConnections);
        k.put("writeTimeoutMillis", HostConfiguration::writeTimeoutMillis);
        k.put("requestTimeoutMillis", HostConfiguration::requestTimeoutMillis);
        k.put("blockedLoopWarnMillis", HostConfiguration::blockedLoopWarnMillis);
        k.put("failureSummaryMillis", HostConfiguration::failureSummaryMillis);
        k.put("accessLog", HostConfiguration::accessLog);
        k.put("drainTimeoutMillis", HostConfiguration::drainTimeoutMillis);
        k.put("graceMillis", HostConfiguration::graceMillis);
        k.put("extraMethods", HostConfiguration::extraMethods);
        k.put("h2c", HostConfiguration::h2c);
        k.put("maxConcurrentStreams", HostConfiguration::maxConcurrentStreams);
        k.put("webSocketMaxFrameBytes", HostConfiguration::webSocketMaxFrameBytes);
        k.put("webSocketMaxMessageBytes", HostConfiguration::webSocketMaxMessageBytes);
        k.put("webSocketHighWaterMarkBytes", HostConfiguration::webSocketHighWaterMarkBytes);
        k.put("webSocketPingIntervalMillis", HostConfiguration::webSocketPingIntervalMillis);
        k.put("webSocketCloseTimeoutMillis", HostConfiguration::webSocketCloseTimeoutMillis);
        k.put("webSocketCompression", HostConfiguration::webSocketCompression);
        return Collections.unmodifiableMap(k);
    }
}
