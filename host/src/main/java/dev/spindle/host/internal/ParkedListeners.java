package dev.spindle.host.internal;

import java.io.Closeable;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.http.ListenerParking;

/**
 * Beside {@link SpindleHost}, outside the data path: the {@link ListenerParking} of the container.
 * A host instance that stops to be replaced at once (see {@link Lifecycle#restarting}) leaves each
 * listening socket as a service of the system bundle, which outlives the host's bundle and class
 * loader: a {@link Supplier} that gives the socket once, and a {@link Closeable} that closes it,
 * both JDK types, so the next instance (another class loader, perhaps another version of the host)
 * can use it. Its properties say which socket it is and which bundle left it; only that bundle
 * takes it. A socket nobody takes within the bound ({@code graceMillis}, as for a route waiting
 * for its handler) is closed, and so are those the next instance did not want
 * ({@link #closeUnclaimed}: its configuration changed meanwhile).
 */
final class ParkedListeners implements ListenerParking {

    private static final Logger LOG = LoggerFactory.getLogger(ParkedListeners.class);
    static final String SPOT = "dev.spindle.parked.listener";
    static final String OWNER = "dev.spindle.parked.owner";

    private final BundleContext system;
    private final long owner;
    private final java.util.function.LongSupplier boundMillis;

    /**
     * @param context the host bundle's context (its bundle owns what it parks; the system bundle's
     *        registry holds it)
     * @param boundMillis how long a parked socket waits for the next instance (read as it is parked)
     */
    ParkedListeners(BundleContext context, java.util.function.LongSupplier boundMillis) {
        org.osgi.framework.Bundle framework = context.getBundle(0);
        this.system = framework == null ? null : framework.getBundleContext(); // null: nowhere to park
        this.owner = context.getBundle().getBundleId();
        this.boundMillis = boundMillis;
    }

    @Override
    public void park(Spot spot, Object socket, Runnable close) {
        long bound = boundMillis.getAsLong();
        if (system == null) {
            close.run();
            return;
        }
        Parked parked = new Parked(socket, close, spot);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(SPOT, key(spot.tls(), spot.epoll(), spot.address()));
        props.put(SPOT + ".port", spot.port());
        props.put(OWNER, owner);
        try {
            parked.registration = system.registerService(new String[] {Supplier.class.getName(),
                    Closeable.class.getName()}, parked, props);
        } catch (IllegalStateException stopping) {
            close.run(); // the framework itself is stopping: nobody will take it
            return;
        }
        CompletableFuture.delayedExecutor(bound, TimeUnit.MILLISECONDS).execute(() -> {
            if (parked.closeIfHere()) {
                LOG.warn("The listening socket {}:{} left open for the next host instance was not taken within {} ms: "
                        + "closed", spot.address(), spot.port(), bound);
            }
        });
        LOG.info("Listening socket {}:{} left open for the next host instance (up to {} ms)", spot.address(),
                spot.port(), bound);
    }

    @Override
    public Object take(Spot spot) {
        String filter = "(&(" + SPOT + "=" + key(spot.tls(), spot.epoll(), spot.address()) + ")(" + OWNER + "="
                + owner + ")" + (spot.port() == 0 ? "" : "(" + SPOT + ".port=" + spot.port() + ")") + ")";
        for (ServiceReference<?> ref : references(filter)) {
            Object service = system.getService(ref);
            try {
                if (service instanceof Supplier<?> s) {
                    Object socket = s.get();
                    if (socket != null) {
                        return socket;
                    }
                }
            } finally {
                if (service != null) {
                    system.ungetService(ref);
                }
            }
        }
        return null;
    }

    /** Closes what this bundle parked and nobody took: the instance now running did not want it. */
    void closeUnclaimed() {
        for (ServiceReference<?> ref : references("(" + OWNER + "=" + owner + ")")) {
            Object service = system.getService(ref);
            try {
                if (service instanceof Closeable c) {
                    c.close();
                    LOG.info("Closed the listening socket {} that the previous host instance left open: the new one "
                            + "listens elsewhere", ref.getProperty(SPOT) + ":" + ref.getProperty(SPOT + ".port"));
                }
            } catch (java.io.IOException e) {
                LOG.debug("Closing a parked listener: {}", e.toString());
            } finally {
                if (service != null) {
                    system.ungetService(ref);
                }
            }
        }
    }

    private ServiceReference<?>[] references(String filter) {
        if (system == null) {
            return new ServiceReference<?>[0];
        }
        try {
            ServiceReference<?>[] refs = system.getServiceReferences(Supplier.class.getName(), filter);
            return refs == null ? new ServiceReference<?>[0] : refs;
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return new ServiceReference<?>[0];
        }
    }

    private static String key(boolean tls, boolean epoll, String address) {
        // an IPv6 address has colons, not filter specials; brackets keep it apart from the rest
        return (tls ? "tls" : "cleartext") + "/" + (epoll ? "epoll" : "nio") + "/[" + address + "]";
    }

    /** One parked socket: given once, to whoever takes or closes it first. */
    private static final class Parked implements Supplier<Object>, Closeable {
        private final AtomicReference<Object> socket;
        private final Runnable close;
        private final Spot spot;
        volatile ServiceRegistration<?> registration;

        Parked(Object socket, Runnable close, Spot spot) {
            this.socket = new AtomicReference<>(socket);
            this.close = close;
            this.spot = spot;
        }

        @Override
        public Object get() {
            Object s = socket.getAndSet(null);
            if (s != null) {
                unregister();
            }
            return s;
        }

        @Override
        public void close() {
            closeIfHere();
        }

        boolean closeIfHere() {
            if (socket.getAndSet(null) == null) {
                return false;
            }
            unregister();
            close.run();
            return true;
        }

        private void unregister() {
            ServiceRegistration<?> r = registration;
            if (r != null) {
                try {
                    r.unregister();
                } catch (IllegalStateException gone) {
                    // unregistered already, or the framework stopped
                }
            }
        }

        @Override
        public String toString() {
            return "listening socket " + spot.address() + ":" + spot.port() + " parked for the next host instance";
        }
    }
}
