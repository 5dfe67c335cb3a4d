package dev.spindle.host.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.HttpServer.ConnectionInfo;
import dev.spindle.api.HttpServer.Setting;
import dev.spindle.api.HttpServer.SocketInfo;
import dev.spindle.api.HttpServer.Stats;
import dev.spindle.host.internal.http.HttpEngine;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.http.ws.WebSocketConnection;
import dev.spindle.host.internal.shell.ProtocolStats;

/**
 * Beside the data path: the values the {@link SpindleHost} hands out as the {@code HttpServer}
 * service (to the shell and to other bundles), snapshots or read-only views of the engine's state.
 */
final class ServerViews {

    private static final Logger LOG = LoggerFactory.getLogger(SpindleHost.class);

    private ServerViews() {
    }

    record Config(String key, String value, String source) implements Setting {
    }

    record Connection(long id, InetSocketAddress remoteAddress, java.time.Duration age, long requests,
            java.time.Duration idle, String state, String protocol, int openStreams) implements ConnectionInfo {
    }

    record Socket(long id, InetSocketAddress remoteAddress, String path, long serviceId, java.time.Duration age,
            long messagesIn, long bytesIn, long messagesOut, long bytesOut, long bufferedAmount)
            implements dev.spindle.api.HttpServer.SocketInfo {
    }

    /** The open connections of {@code e} (none without an engine). */
    static List<ConnectionInfo> connections(HttpEngine e) {
        List<ConnectionInfo> out = new ArrayList<>();
        for (HttpEngine.ConnectionSnapshot c : e == null ? List.<HttpEngine.ConnectionSnapshot>of() : e.connections()) {
            out.add(new Connection(c.id(), c.remoteAddress(), Duration.ofNanos(c.ageNanos()), c.requests(),
                    Duration.ofNanos(c.idleNanos()), c.state(), c.protocol(), c.openStreams()));
        }
        return out;
    }

    /**
     * The settings in effect ({@code cfg}), each with its source: ConfigAdmin's configuration (read
     * from {@code ca}, if present) or the default, and what a refused configuration asked for.
     */
    static List<Setting> configuration(HostConfiguration cfg, ConfigurationAdmin ca, Map<String, String> refused) {
        Set<String> given = configuredKeys(ca);
        List<Setting> out = new ArrayList<>();
        for (Map.Entry<String, Function<HostConfiguration, Object>> key : ConfigKeys.KEYS.entrySet()) {
            String source = given.contains(key.getKey()) ? "ConfigAdmin" : "default";
            if (refused.containsKey(key.getKey())) {
                source += " (refused: " + refused.get(key.getKey()) + ")";
            }
            out.add(new Config(key.getKey(), String.valueOf(key.getValue().apply(cfg)), source));
        }
        return out;
    }

    /** The keys the ConfigAdmin configuration sets (the rest are the defaults). */
    private static Set<String> configuredKeys(ConfigurationAdmin ca) {
        Set<String> keys = new HashSet<>();
        if (ca == null) {
            return keys;
        }
        try {
            Configuration[] found = ca.listConfigurations("(service.pid=dev.spindle.host)");
            if (found != null && found[0].getProperties() != null) {
                keys.addAll(Collections.list(found[0].getProperties().keys()));
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.debug("Cannot read the configuration's keys", e);
        }
        return keys;
    }

    /** The open WebSockets of {@code e} (none without an engine). */
    static List<SocketInfo> sockets(HttpEngine e) {
        List<SocketInfo> out = new ArrayList<>();
        for (WebSocketConnection.Snapshot s : e == null ? List.<WebSocketConnection.Snapshot>of() : e.sockets()) {
            out.add(new Socket(s.id(), s.remote(), s.path(), s.serviceId(), Duration.ofNanos(s.ageNanos()),
                    s.messagesIn(), s.bytesIn(), s.messagesOut(), s.bytesOut(), s.buffered()));
        }
        return out;
    }

    /** The engine's counters as {@link Stats}, and by protocol for the shell. */
    static final class EngineView implements Stats, ProtocolStats {
        private final dev.spindle.host.internal.http.dispatch.EngineStats s;

        EngineView(dev.spindle.host.internal.http.dispatch.EngineStats s) {
            this.s = s;
        }

        @Override
        public long totalRequests() {
            return s.totalRequests();
        }

        @Override
        public double requestsPerSecond(int seconds) {
            return s.requestsPerSecond(seconds);
        }

        @Override
        public long bytesIn() {
            return s.bytesIn();
        }

        @Override
        public long bytesOut() {
            return s.bytesOut();
        }

        @Override
        public long responses(int statusClass) {
            return s.responses(statusClass);
        }

        @Override
        public long totalConnections() {
            return s.totalConnections();
        }

        @Override
        public java.time.Duration uptime() {
            return java.time.Duration.ofNanos(s.uptimeNanos());
        }

        @Override
        public long connections(Protocol protocol) {
            return s.connections(protocol);
        }

        @Override
        public long requests(Protocol protocol) {
            return s.requests(protocol);
        }
    }
}
