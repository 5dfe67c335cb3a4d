package dev.spindle.itests;

import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * What the in-framework hot-deploy tests share (HotDeployIT over HTTP/1.1, H2HotDeployIT over
 * HTTP/2): the swap handler deployed by File Install from a folder of the test's own, its updates
 * through File Install (a jar dropped into that folder) and through the framework, and the
 * version it serves.
 */
final class HotDeploys {

    private static final String DEPLOY_PROPERTY = "spindle.it.deploy";
    static final Duration SWAP_LIMIT = Duration.ofSeconds(20);

    final BundleContext context;
    final int port;
    final Path deploy;
    final Path jars;

    /** The container and File Install, polling every 100 ms a deploy folder named after {@code test}. */
    static Option provisioning(String test) {
        Path dir = Paths.get(System.getProperty("spindle.work"), test + "-" + System.nanoTime(), "deploy");
        return composite(
                Provisioning.spindle(Http.freePort()),
                systemProperty(DEPLOY_PROPERTY).value(dir.toString()),
                systemProperty("felix.fileinstall.dir").value(dir.toString()),
                systemProperty("felix.fileinstall.poll").value("100"),
                systemProperty("felix.fileinstall.noInitialDelay").value("true"),
                systemProperty("felix.fileinstall.filter").value(".*\\.jar"),
                systemProperty("felix.fileinstall.log.level").value("1"),
                mavenBundle("org.apache.felix", "org.apache.felix.fileinstall").versionAsInProject());
    }

    /** In the framework {@link #provisioning} made: the swap handler at 1.0.0 deployed, unless it is already. */
    HotDeploys(BundleContext context) throws Exception {
        this.context = context;
        this.port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        this.deploy = Paths.get(context.getProperty(DEPLOY_PROPERTY));
        this.jars = deploy.resolveSibling("jars");
        if (swapBundle() == null) {
            Jars.drop(Jars.swapHandler(jars, "1.0.0"), deploy, "swap.jar");
            awaitVersion("1.0.0");
        }
    }

    Bundle swapBundle() {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** The version {@code /swap} answers with, or the status when it is not a 200. */
    String servedVersion() throws IOException {
        Http.Response r = Http.get(port, "/swap");
        return r.status == 200 ? r.body.replace("version=", "") : "status " + r.status;
    }

    void awaitVersion(String version) throws Exception {
        long deadline = System.nanoTime() + SWAP_LIMIT.toNanos();
        String seen = null;
        while (System.nanoTime() < deadline) {
            seen = servedVersion();
            if (seen.equals(version)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("still serving " + seen + " instead of " + version);
    }

    /** Updates through the framework API and refreshes, as File Install does after a file update. */
    void updateThroughFramework(Path jar) throws Exception {
        Bundle b = swapBundle();
        try (InputStream in = Jars.open(jar)) {
            b.update(in);
        }
        Frameworks.refresh(context, b);
    }

    /**
     * Swaps versions 1.0.0 and 2.0.0 {@code times} times, every other time through File Install
     * and through the framework in between, each time until the new version answers.
     */
    void alternate(int times) throws Exception {
        Map<String, Path> byVersion = Map.of("1.0.0", Jars.swapHandler(jars, "1.0.0"), "2.0.0",
                Jars.swapHandler(jars, "2.0.0"));
        String current = servedVersion();
        for (int i = 0; i < times; i++) {
            String next = current.equals("1.0.0") ? "2.0.0" : "1.0.0";
            if (i % 2 == 0) {
                Jars.drop(byVersion.get(next), deploy, "swap.jar");
            } else {
                updateThroughFramework(byVersion.get(next));
            }
            awaitVersion(next);
            current = next;
        }
    }
}
