package dev.spindle.host.internal.canary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;

import dev.spindle.host.internal.router.Whiteboard;

/** A release's ending when the bundle leaving cannot be uninstalled: the release is forgotten all the same. */
class ReleaseEndTest {

    /** A bundle whose uninstall fails, as one whose activator throws does; anything else answers a default. */
    private static Bundle refusingUninstall(long id) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getBundleId" -> id;
                    case "getSymbolicName" -> "dev.example.x";
                    case "getVersion" -> new Version(2, 0, 0);
                    case "getLocation" -> "mem:x-" + id;
                    case "uninstall" -> throw new BundleException("the activator's stop failed");
                    case "hashCode" -> (int) id;
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    @Test
    void aRollbackWhoseUninstallFailsStillForgetsTheRelease() {
        Bundle canary = refusingUninstall(7);
        BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> null);
        Map<Long, Release> releases = new ConcurrentHashMap<>();
        Release r = new Release(canary, 3, 0, CanaryPolicy.DEFAULT, Canaries.SHELL);
        releases.put(7L, r);
        Whiteboard whiteboard = new Whiteboard();
        whiteboard.canary(7, r.policy.routing(10));
        ReleaseEnd end = new ReleaseEnd(whiteboard, context, releases, () -> null);

        BundleException e = assertThrows(BundleException.class, () -> end.rollback(r, "a test"));
        assertEquals("the activator's stop failed", e.getMessage());
        assertEquals(Map.of(), releases, "the release is not left registered, ending for ever");
        assertTrue(r.ending());
    }
}
