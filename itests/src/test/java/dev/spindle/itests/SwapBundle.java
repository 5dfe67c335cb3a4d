package dev.spindle.itests;

import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The swap-handler bundle as the hot-deploy tests drive it: File Install watching a deploy folder
 * for it, the bundle found by name, and the version its {@code /swap} route answers with.
 */
final class SwapBundle {

    /** System property naming the deploy folder File Install watches. */
    static final String DEPLOY_PROPERTY = "spindle.it.deploy";

    private SwapBundle() {
    }

    /** File Install, polling {@code deploy} every 100 ms for jars. */
    static Option fileInstall(Path deploy) {
        return fileInstall(deploy, ".*\\.jar");
    }

    /** File Install, polling {@code dir} every 100 ms for files matching {@code filter}; {@link #DEPLOY_PROPERTY} names it. */
    static Option fileInstall(Path dir, String filter) {
        return composite(
                systemProperty(DEPLOY_PROPERTY).value(dir.toString()),
                systemProperty("felix.fileinstall.dir").value(dir.toString()),
                systemProperty("felix.fileinstall.poll").value("100"),
                systemProperty("felix.fileinstall.noInitialDelay").value("true"),
                systemProperty("felix.fileinstall.filter").value(filter),
                systemProperty("felix.fileinstall.log.level").value("1"),
                mavenBundle("org.apache.felix", "org.apache.felix.fileinstall").versionAsInProject());
    }

    /** The installed swap bundle, or null. */
    static Bundle find(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** Uninstalls every swap bundle still installed (one that a rollback uninstalls meanwhile is skipped). */
    static void uninstallAll(BundleContext context) throws org.osgi.framework.BundleException {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                try {
                    b.uninstall();
                } catch (IllegalStateException goneMeanwhile) {
                    // uninstalled since getBundles()
                }
            }
        }
    }

    /** Leaves the swap bundle 1.0.0 from {@code jars} alone, started and serving {@code /swap} on {@code port}. */
    static Bundle startAlone(BundleContext context, Path jars, int port) throws Exception {
        uninstallAll(context);
        Bundle stable;
        try (java.io.InputStream in = Jars.open(Jars.swapHandler(jars, "1.0.0"))) {
            stable = context.installBundle("stable-" + System.nanoTime(), in);
        }
        stable.start();
        awaitVersion(port, "1.0.0", HotDeploys.SWAP_LIMIT);
        return stable;
    }

    /** The versions of the swap bundles installed, sorted. */
    static java.util.List<String> installedVersions(BundleContext context) {
        return java.util.Arrays.stream(context.getBundles()).filter(b -> "dev.spindle.swap".equals(b.getSymbolicName())
                && b.getState() != Bundle.UNINSTALLED).map(b -> b.getVersion().toString()).sorted().toList();
    }

    /** The version {@code GET /swap} answers with, or {@code status N}. */
    static String servedVersion(int port) throws IOException {
        Http.Response r = Http.get(port, "/swap");
        return r.status == 200 ? r.body.replace("version=", "") : "status " + r.status;
    }

    /** Waits, at most {@code limit}, until {@code /swap} answers with {@code version}. */
    static void awaitVersion(int port, String version, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        String seen = null;
        while (System.nanoTime() < deadline) {
            seen = servedVersion(port);
            if (seen.equals(version)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("still serving " + seen + " instead of " + version);
    }
}
