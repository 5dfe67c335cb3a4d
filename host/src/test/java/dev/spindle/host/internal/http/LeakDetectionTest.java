package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetector.Level;

/** The container's default for Netty's leak detector: off, unless the JVM was given a level. */
class LeakDetectionTest {

    private String level;
    private String legacy;

    @BeforeEach
    void save() {
        level = System.clearProperty(LeakDetection.LEVEL);
        legacy = System.clearProperty(LeakDetection.LEGACY);
    }

    @AfterEach
    void restore() {
        System.clearProperty(LeakDetection.LEVEL);
        System.clearProperty(LeakDetection.LEGACY);
        if (level != null) {
            System.setProperty(LeakDetection.LEVEL, level);
        }
        if (legacy != null) {
            System.setProperty(LeakDetection.LEGACY, legacy);
        }
        ResourceLeakDetector.setLevel(Level.PARANOID); // as LeakCheck keeps it for every other test
    }

    @Test
    void offWhenNoLevelWasAskedFor() {
        ResourceLeakDetector.setLevel(Level.SIMPLE);
        assertEquals(Level.DISABLED, LeakDetection.applyDefault());
        assertEquals(Level.DISABLED, ResourceLeakDetector.getLevel());
    }

    @Test
    void aLevelGivenToTheJvmStays() {
        System.setProperty(LeakDetection.LEVEL, "simple");
        ResourceLeakDetector.setLevel(Level.SIMPLE);
        assertEquals(Level.SIMPLE, LeakDetection.applyDefault());
    }

    @Test
    void nettysOlderSwitchIsHonouredToo() {
        System.setProperty(LeakDetection.LEGACY, "false");
        ResourceLeakDetector.setLevel(Level.ADVANCED);
        assertEquals(Level.ADVANCED, LeakDetection.applyDefault());
    }
}
