package dev.spindle.host.internal.http;

import java.util.Set;

import dev.spindle.host.internal.http.connection.EngineSettings;

/** Engine settings for tests: the defaults, with what a test changes named. */
public final class Settings {

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

    public static Settings defaults() {
        return new Settings();
    }

    public Settings maxHeaderSize(int bytes) {
        maxHeaderSize = bytes;
        return this;
    }

    public Settings maxBodyBytes(long bytes) {
        maxBodyBytes = bytes;
        return this;
    }

    public Settings keepAliveTimeoutMillis(long millis) {
        keepAliveTimeoutMillis = millis;
        return this;
    }

    public Settings requestTimeoutMillis(long millis) {
        requestTimeoutMillis = millis;
        return this;
    }

    public Settings maxRequestBodyBytes(long bytes) {
        maxRequestBodyBytes = bytes;
        return this;
    }

    public Settings responseTimeoutMillis(long millis) {
        responseTimeoutMillis = millis;
        return this;
    }

    public Settings maxConnections(int connections) {
        maxConnections = connections;
        return this;
    }

    public Settings writeTimeoutMillis(long millis) {
        writeTimeoutMillis = millis;
        return this;
    }

    public Settings extraMethods(Set<String> methods) {
        extraMethods = methods;
        return this;
    }

    public EngineSettings build() {
        return new EngineSettings(d.maxInitialLineLength(), maxHeaderSize, d.maxChunkSize(), maxBodyBytes,
                keepAliveTimeoutMillis, d.headersTimeoutMillis(), d.maxPipelined(), d.maxHeaders(), maxRequestBodyBytes,
                responseTimeoutMillis, maxConnections, writeTimeoutMillis, requestTimeoutMillis, extraMethods);
    }
}
