package dev.spindle.host.internal.canary;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.spindle.host.internal.router.Whiteboard;

/**
 * Beside the data path: how the canary releases reach the routing table every request is resolved
 * against. The host's {@link Whiteboard} is offered here as an OSGi service of the host bundle,
 * which {@link Canaries} (a DS component) references, so that a canary bundle is declared to the
 * whiteboard before it starts. The host offers it once its engine serves, and withdraws it as it
 * deactivates; nothing on the request path goes through this class.
 */
public final class CanaryRouting implements AutoCloseable {

    private ServiceRegistration<Whiteboard> registration;

    private CanaryRouting(ServiceRegistration<Whiteboard> registration) {
        this.registration = registration;
    }

    /** Registers {@code whiteboard} for the canary component, from the host's {@code context}. */
    public static CanaryRouting offer(BundleContext context, Whiteboard whiteboard) {
        return new CanaryRouting(context.registerService(Whiteboard.class, whiteboard, null));
    }

    /** Withdraws the whiteboard: the canary component deactivates with it. Once; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }
}
