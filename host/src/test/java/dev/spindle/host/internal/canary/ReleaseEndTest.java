package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

import dev.spindle.host.internal.router.Whiteboard;

/** A release's ending when the bundle leaving cannot be uninstalled: the release is forgotten all the same. */
class ReleaseEndTest {

    @Test
    void aRollbackWhoseUninstallFailsStillForgetsTheRelease() {
        Bundle canary = Stubs.bundle(7, () -> {
            throw new BundleException("the activator's stop failed");
        });
        Map<Long, Release> releases = new ConcurrentHashMap<>();
        Release r = new Release(canary, 3, 0, CanaryPolicy.DEFAULT, Canaries.SHELL);
        releases.put(7L, r);
        Whiteboard whiteboard = new Whiteboard();
        whiteboard.canary(7, r.policy.routing(10));
        ReleaseEnd end = new ReleaseEnd(whiteboard, Stubs.emptyContext(), releases, () -> null);

        BundleException e = assertThrows(BundleException.class, () -> end.rollback(r, "a test", null));
        assertEquals("the activator's stop failed", e.getMessage());
        assertEquals(Map.of(), releases, "the release is not left registered, ending for ever");
        assertTrue(r.ending());
    }
}
