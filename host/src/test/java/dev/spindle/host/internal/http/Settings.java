package dev.spindle.host.internal.http;

import java.util.Set;

import dev.spindle.host.internal.http.connection.EngineSettings;

/** Engine settings for tests: the defaults, with what a test changes named. */
final class Settings {

    private final EngineSettings d = EngineSettings.defaults();
    private int maxHeaderSize = d.maxHeaderSize();
    private long maxBodyBytes = d.maxBodyBytes();
    private long keepAliveTimeoutMillis = d.keepAliveTimeoutMillis();
    private long maxRequestBodyBytes = d.maxRequestBodyBytes();
    private long responseTimeoutMillis = d.responseTimeoutMillis();
    private int maxConnections = d.maxConnections();
    private long writeTimeoutMillis = d.writeTimeoutMillis();
    private long requestTimeoutMillis = d.requestTimeoutMillis();
    private Set<String> extraMethods = d.extraMethods();

    static Settings defaults() {
        return new Settings();
    }

    Settings maxHeaderSize(int bytes) {
        maxHeaderSize = bytes;
        return this;
    }

    Settings maxBodyBytes(long bytes) {
        maxBodyBytes = bytes;
        return this;
    }

    Settings keepAliveTimeoutMillis(long millis) {
        keepAliveTimeoutMillis = millis;
        return this;
    }

    Settings requestTimeoutMillis(long millis) {
        requestTimeoutMillis = millis;
        return this;
    }

    Settings maxRequestBodyBytes(long bytes) {
        maxRequestBodyBytes = bytes;
        return this;
    }

    Settings responseTimeoutMillis(long millis) {
        responseTimeoutMillis = millis;
        return this;
    }

    Settings maxConnections(int connections) {
        maxConnections = connections;
        return this;
    }

    Settings writeTimeoutMillis(long millis) {
        writeTimeoutMillis = millis;
        return this;
    }

    Settings extraMethods(Set<String> methods) {
        extraMethods = methods;
        return this;
    }

    EngineSettings build() {
        return new EngineSettings(d.maxInitialLineLength(), maxHeaderSize, d.maxChunkSize(), maxBodyBytes,
                keepAliveTimeoutMillis, d.headersTimeoutMillis(), d.maxPipelined(), d.maxHeaders(), maxRequestBodyBytes,
                responseTimeoutMillis, maxConnections, writeTimeoutMillis, requestTimeoutMillis, extraMethods);
    }
}
