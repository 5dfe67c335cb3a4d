package dev.spindle.host.internal;

import java.net.InetSocketAddress;

import dev.spindle.api.HttpServer.ConnectionInfo;
import dev.spindle.api.HttpServer.Setting;
import dev.spindle.api.HttpServer.Stats;
import dev.spindle.host.internal.http.dispatch.Protocol;
import dev.spindle.host.internal.shell.ProtocolStats;

/**
 * Beside the data path: the values the {@link SpindleHost} hands out as the {@code HttpServer}
 * service (to the shell and to other bundles), snapshots or read-only views of the engine's state.
 */
final class ServerViews {

    private ServerViews() {
    }

    record Config(String key, String value, String source) implements Setting {
    }

    record Connection(long id, InetSocketAddress remoteAddress, java.time.Duration age, long requests,
            java.time.Duration idle, String state, String protocol, int openStreams) implements ConnectionInfo {
    }

    /** The engine's counters as {@link Stats}, and by protocol for the shell. */
    record Socket(long id, InetSocketAddress remoteAddress, String path, long serviceId, java.time.Duration age,
            long messagesIn, long bytesIn, long messagesOut, long bytesOut, long bufferedAmount)
            implements dev.spindle.api.HttpServer.SocketInfo {
    }

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
