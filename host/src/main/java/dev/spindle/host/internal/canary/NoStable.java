package dev.spindle.host.internal.canary;

/**
 * Beside the data path: a canary cannot start (yet) because no active handler bundle of its
 * symbolic name runs to be its stable version. The shell reports it; a canary configuration
 * waits for that version to register its handlers ({@link StableWait}), as after a
 * refresh of the API bundle, when the host starts before the handler bundles.
 */
final class NoStable extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    final String bsn;
    /** The canary's version, which cannot be its own stable version. */
    final String version;

    NoStable(String bsn, String version) {
        super("no active handler bundle " + bsn + " to be the stable version: a canary runs beside the version it may"
                + " replace (spindle:deploy that first)");
        this.bsn = bsn;
        this.version = version;
    }
}
