package dev.spindle.host.internal.canary;

import java.lang.reflect.Proxy;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;

/** Framework stand-ins for the canary tests: a bundle and a context that answer what the ending reads. */
final class Stubs {

    /** What a stub bundle's {@code uninstall} does. */
    interface Uninstall {
        void run() throws BundleException, InterruptedException;
    }

    private Stubs() {
    }

    /** An active bundle {@code dev.example.x 2.0.0} with id {@code id}; anything not named answers a default. */
    static Bundle bundle(long id, Uninstall uninstall) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getBundleId" -> id;
                    case "getSymbolicName" -> "dev.example.x";
                    case "getVersion" -> new Version(2, 0, 0);
                    case "getLocation" -> "mem:x-" + id;
                    case "getState" -> Bundle.ACTIVE;
                    case "uninstall" -> {
                        uninstall.run();
                        yield null;
                    }
                    case "hashCode" -> (int) id;
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    /** A context with no bundle (a stable version asked for is gone), no property, and no listener kept. */
    static BundleContext emptyContext() {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getBundles" -> new Bundle[0];
                    default -> null;
                });
    }
}
