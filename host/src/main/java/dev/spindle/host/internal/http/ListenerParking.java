package dev.spindle.host.internal.http;

/**
 * Data path: the entry, across a restart of the host itself. Where a host instance that is about
 * to be replaced by the next one (its bundle updated, or refreshed with the API bundle) leaves its
 * listening sockets open, not accepting, so that the next instance accepts on the very same
 * sockets: a client connecting in between waits in the kernel's backlog instead of being refused,
 * or reset in the instant a socket closes. The engine knows nothing of OSGi; the host provides the
 * place (a service of the framework, which outlives the bundle).
 *
 * <p>A socket is handed over as what outlives the host's classes: the file descriptor number of an
 * epoll socket, or the JDK's {@link java.nio.channels.ServerSocketChannel} of a NIO one. A socket
 * not taken within the place's bound is closed by it.
 */
public interface ListenerParking {

    /**
     * What a parked socket is: which listener ({@code tls} or not), its transport and address
     * ({@link #address(java.net.InetAddress)}).
     */
    record Spot(boolean tls, boolean epoll, String address, int port) {

        /**
         * How a spot names {@code a}: its numeric form, and {@code any} for the wildcard address,
         * which a socket bound to {@code 0.0.0.0} reports as {@code ::} on a dual-stack JVM.
         */
        public static String address(java.net.InetAddress a) {
            return a.isAnyLocalAddress() ? "any" : a.getHostAddress();
        }
    }

    /**
     * Leaves {@code socket} at {@code spot} for the next instance; {@code close} closes it, and is
     * run (once) if nobody takes it in time.
     */
    void park(Spot spot, Object socket, Runnable close);

    /**
     * The socket parked at {@code spot} ({@code port} 0: at any port), taken once; null if there is
     * none.
     */
    Object take(Spot spot);

    /** Nothing is parked, nothing can be: every socket is closed as it used to be. */
    ListenerParking NONE = new ListenerParking() {
        @Override
        public void park(Spot spot, Object socket, Runnable close) {
            close.run();
        }

        @Override
        public Object take(Spot spot) {
            return null;
        }
    };
}
