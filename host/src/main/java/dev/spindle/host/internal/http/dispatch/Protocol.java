package dev.spindle.host.internal.http.dispatch;

/**
 * Beside the data path: the protocol a connection speaks, as the shell names it, by which
 * {@link EngineStats} counts connections and requests. A cleartext connection is {@link #H1}
 * until it turns to HTTP/2 (a connection preface, or {@code Upgrade: h2c}); a TLS connection is
 * {@link #H1_TLS} or {@link #H2} as ALPN chose.
 */
public enum Protocol {
    H1("h1"), H1_TLS("h1+tls"), H2C("h2c"), H2("h2");

    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    /** {@code h1}, {@code h1+tls}, {@code h2c} or {@code h2}. */
    public String label() {
        return label;
    }

    /** The protocol labelled {@code label}. */
    public static Protocol of(String label) {
        for (Protocol p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("No protocol " + label);
    }

    @Override
    public String toString() {
        return label;
    }
}
