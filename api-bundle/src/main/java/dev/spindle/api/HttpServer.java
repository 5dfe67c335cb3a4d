package dev.spindle.api;

import java.net.InetSocketAddress;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The running server seen from outside, Node's {@code http.Server}: the host registers one as an
 * OSGi service while it is listening. Shell commands, monitoring and tests read the engine through
 * this service, never through host internals.
 */
@ProviderType
public interface HttpServer {

    /** The address the server is bound to, with the actual port (useful when configured as 0). */
    InetSocketAddress address();

    /** The transport in use: {@code epoll} or {@code nio}. */
    String transport();

    /** Connections open now. */
    int openConnections();

    /** Requests received since the server started, including rejected ones. */
    long totalRequests();

    /** Every {@link Handler} service the host knows of, in routing order, valid or not. */
    List<HandlerRegistration> handlers();

    /** What the host made of one {@link Handler} service. */
    @ProviderType
    interface HandlerRegistration {

        /** The handler service's {@code service.id}. */
        long serviceId();

        /** The symbolic name of the bundle that registered it. */
        String bundleSymbolicName();

        /** The id of the bundle that registered it. */
        long bundleId();

        /** Its {@link Handler#ROUTE}, as given (may be {@code null} if it was missing). */
        String route();

        /** The methods it accepts; empty for all. */
        List<String> methods();

        /** Its {@code service.ranking}. */
        int ranking();

        /** Whether it runs on the worker pool. */
        boolean blocking();

        /** {@code ACTIVE}, {@code SHADOWED} (another handler wins its route) or {@code FAILED}. */
        String state();

        /** Why it failed, or which service shadows it; {@code null} when active. */
        String reason();

        /** Requests being served by it now. */
        long inFlight();

        /** Requests it has served. */
        long totalRequests();
    }
}
