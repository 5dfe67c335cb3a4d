package dev.spindle.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.cm.ConfigurationOption;

/** The bundles of the container for pax-exam: the real API and host, their dependencies, a port. */
final class Provisioning {

    /** The framework property that tells the probe which port the host listens on. */
    static final String PORT_PROPERTY = "spindle.it.port";

    private Provisioning() {
    }

    /** {@link #spindle(int)} on a free port with Gogo's runtime, so that the {@code spindle:} commands run, and {@code more}. */
    static Option[] withShell(Option... more) {
        return org.ops4j.pax.exam.CoreOptions.options(spindle(Http.freePort()),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject(), composite(more));
    }

    /** Everything the host needs, with {@code dev.spindle.host} configured on a free loopback port. */
    static Option spindle(int port) {
        return spindle(port, 10_000);
    }

    /** As {@link #spindle(int)}, with the grace for routes being replaced set to {@code graceMillis}. */
    static Option spindle(int port, long graceMillis) {
        return spindle(port, graceMillis, 0);
    }

    /**
     * As {@link #spindle(int, long)}, with the drain timeout of removed handlers and of the shutdown
     * ({@code drainMillis}; 0 leaves the key unset: the default).
     */
    static Option spindle(int port, long graceMillis, long drainMillis) {
        ConfigurationOption host = newConfiguration("dev.spindle.host")
                .put("port", String.valueOf(port))
                .put("bindAddress", "127.0.0.1")
                .put("graceMillis", String.valueOf(graceMillis));
        return composite(
                systemProperty(PORT_PROPERTY).value(String.valueOf(port)),
                systemProperty("pax.exam.osgi.unresolved.fail").value("true"),
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                mavenBundle("org.ops4j.pax.logging", "pax-logging-api").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                mavenBundle("io.netty", "netty-common").versionAsInProject(),
                mavenBundle("io.netty", "netty-buffer").versionAsInProject(),
                mavenBundle("io.netty", "netty-resolver").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-base").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-compression").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-http").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-http2").versionAsInProject(),
                mavenBundle("io.netty", "netty-handler").versionAsInProject(),
                mavenBundle("io.netty", "netty-tcnative-classes").versionAsInProject(),
                mavenBundle("io.netty", "netty-tcnative-boringssl-static").classifier("linux-x86_64").versionAsInProject().noStart(),
                mavenBundle("io.netty", "netty-transport-native-unix-common").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport-classes-epoll").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport-native-epoll").classifier("linux-x86_64").versionAsInProject().noStart(),
                (drainMillis > 0 ? host.put("drainTimeoutMillis", String.valueOf(drainMillis)) : host).asOption(),
                bundle("file:" + System.getProperty("spindle.api.jar")),
                bundle("file:" + System.getProperty("spindle.host.jar")),
                junitBundles());
    }
}
