package dev.spindle.host.internal.http;

import io.netty.util.ResourceLeakDetector;

/**
 * Outside the data path: the container's default for Netty's buffer leak detector, applied when
 * the host starts. Netty samples one buffer in 128 by default and wraps it in a tracking buffer;
 * that second buffer class at every call site of the codecs made the JIT's code differ from one
 * start to the next (8 starts: 854-951 k pipelined requests per second with it, 977-1,022 k
 * without, BENCHMARKS.md). Handlers never see Netty's buffers, so only the host could leak one,
 * and its tests run the detector at its strictest level. Like Vert.x, Spindle therefore turns it
 * off unless the JVM was told a level ({@code -Dio.netty.leakDetection.level=simple} turns it on).
 */
public final class LeakDetection {

    /** Netty's property for the level (and its older switch). */
    static final String LEVEL = "io.netty.leakDetection.level";
    static final String LEGACY = "io.netty.noResourceLeakDetection";

    private LeakDetection() {
    }

    /** Turns the detector off unless a level was asked for; returns the level in force. */
    public static ResourceLeakDetector.Level applyDefault() {
        if (System.getProperty(LEVEL) == null && System.getProperty(LEGACY) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        return ResourceLeakDetector.getLevel();
    }
}
