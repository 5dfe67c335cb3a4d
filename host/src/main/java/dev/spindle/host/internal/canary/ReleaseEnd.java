package dev.spindle.host.internal.canary;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.host.internal.router.Whiteboard;
import dev.spindle.host.internal.shell.HandlerBundles;

/**
 * Beside the data path: how a canary release ends, for {@link Canaries}. A promotion gives the
 * canary every request and the stable version drains and is uninstalled; a rollback gives it none
 * and it drains and is uninstalled; then the release is forgotten (by the whiteboard, by the
 * running releases, and its configuration, if one asked for it, is deleted). Runs on the calling
 * thread (the shell's, a configuration's) or the analysis thread, never on an event loop.
 */
final class ReleaseEnd {

    /** The canaries' logger: the endings are logged as the releases' other events. */
    private static final Logger LOG = LoggerFactory.getLogger(Canaries.class);

    private final Whiteboard whiteboard;
    private final HandlerBundles bundles;
    private final BundleContext context;
    /** The running releases, by the canary's bundle id: {@link Canaries}' own map. */
    private final Map<Long, Release> releases;
    private final Supplier<ConfigurationAdmin> configAdmin;

    ReleaseEnd(Whiteboard whiteboard, BundleContext context, Map<Long, Release> releases,
            Supplier<ConfigurationAdmin> configAdmin) {
        this.whiteboard = whiteboard;
        this.bundles = new HandlerBundles(context);
        this.context = context;
        this.releases = releases;
        this.configAdmin = configAdmin;
    }

    /**
     * Makes the canary the only version: the stable one gets no new request, drains and is
     * uninstalled (a jar it came from in {@code deploy/} is deleted, as by {@code spindle:undeploy}).
     * With {@code drains} null all of it happens on this thread, and what was done is returned;
     * otherwise the drain and what follows run on {@code drains} (see {@link #end}).
     */
    String promote(Release r, String why, Executor drains) throws BundleException, InterruptedException {
        Bundle stable = context.getBundle(r.stableBundleId);
        Optional<Path> stableJar = stable == null ? Optional.empty() : bundles.watchedJar(stable);
        return end(r, 100, stable, drains, gone -> {
            String done = gone + (stableJar.isPresent() ? keep(r.canary, stableJar.get().getParent()) : "");
            LOG.info("Canary {} promoted ({}): {}", HandlerBundles.describe(r.canary), why, done);
            return "Promoted " + HandlerBundles.describe(r.canary) + ": " + done + "\n";
        });
    }

    /** Removes the canary: it gets no new request, drains and is uninstalled; {@code drains} as for {@link #promote}. */
    String rollback(Release r, String why, Executor drains) throws BundleException, InterruptedException {
        String what = HandlerBundles.describe(r.canary);
        return end(r, 0, r.canary, drains, gone -> {
            LOG.warn("Canary {} rolled back: {}; {}", what, why, gone);
            return "Rolled back " + what + ": " + gone + "\n";
        });
    }

    /**
     * Ends {@code r}: at once, the release is marked ending and the canary gets {@code share}
     * percent of the requests; then {@code leaving} (the version that gets none now) drains and is
     * uninstalled, and {@code done} says what was done. That second part runs on this thread when
     * {@code drains} is null (a command waits for it), else on {@code drains}, so that the analysis
     * thread, which ends releases too, goes on judging the others during a drain. Returns what was
     * done, or that it is under way.
     */
    private String end(Release r, int share, Bundle leaving, Executor drains, UnaryOperator<String> done)
            throws BundleException, InterruptedException {
        if (!r.end(() -> whiteboard.canary(r.canary.getBundleId(), r.policy.routing(share)))) {
            return "The canary " + HandlerBundles.describe(r.canary) + " is ending already\n";
        }
        if (drains == null) {
            return done.apply(drain(r, leaving));
        }
        drains.execute(() -> {
            try {
                done.apply(drain(r, leaving));
            } catch (BundleException | RuntimeException e) {
                LOG.error("The end of canary {} failed", HandlerBundles.describe(r.canary), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return "The canary " + HandlerBundles.describe(r.canary) + " is ending\n";
    }

    /** {@code leaving} drains and is uninstalled; the release is forgotten even when that fails. */
    private String drain(Release r, Bundle leaving) throws BundleException, InterruptedException {
        try {
            return leaving == null ? "the stable version was gone" : uninstall(leaving);
        } finally {
            forget(r); // even when the uninstall failed: an ending release never stays registered
        }
    }

    /**
     * The release is over: the whiteboard forgets the canary, and a configuration that asked for
     * it is deleted (File Install deletes its file), so that it does not start again at the next start.
     */
    void forget(Release r) {
        whiteboard.canary(r.canary.getBundleId(), null);
        releases.remove(r.canary.getBundleId());
        r.forgotten.complete(null);
        ConfigurationAdmin admin = configAdmin.get();
        if (r.origin.equals(Canaries.SHELL) || admin == null) {
            return;
        }
        try {
            org.osgi.service.cm.Configuration[] found = admin.listConfigurations("(service.pid=" + r.origin + ")");
            if (found != null) {
                found[0].delete();
            }
        } catch (java.io.IOException | org.osgi.framework.InvalidSyntaxException e) {
            LOG.warn("Cannot delete the configuration {} of the ended canary {}: {}", r.origin,
                    HandlerBundles.describe(r.canary), e.toString());
        }
    }

    /**
     * Puts the promoted canary's jar (read again from where it was installed from) into
     * {@code folder}, the File Install folder its stable version's jar was deleted from, so that a
     * restart runs the promoted version: written aside, then renamed, as {@code spindle:deploy}
     * does. File Install then finds the same symbolic name and version installed and updates that
     * bundle from the file, in place (its requests wait for the handler's return, as in any hot
     * deploy). Returns what the answer adds.
     */
    private String keep(Bundle canary, Path folder) {
        String name;
        byte[] jar;
        try {
            URI location = URI.create(canary.getLocation());
            String path = location.getPath() == null ? "" : location.getPath();
            name = path.substring(path.lastIndexOf('/') + 1);
            if (!name.endsWith(".jar")) {
                name = canary.getSymbolicName() + "-" + canary.getVersion() + ".jar";
            }
            try (InputStream in = location.toURL().openStream()) {
                jar = in.readAllBytes();
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("The promoted {} cannot be read again from {} ({}): it is not in {}/ and does not come back at the next"
                    + " start", HandlerBundles.describe(canary), canary.getLocation(), e.toString(), folder.getFileName());
            return ", but its jar could not be put into " + folder.getFileName() + "/ (" + e + "): it does not come back"
                    + " at the next start";
        }
        Path target = folder.resolve(name);
        Path aside = folder.resolve("." + name + ".part"); // not *.jar: File Install ignores it
        try {
            Files.write(aside, jar);
            Files.move(aside, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("Cannot write {} for the promoted {}: {}", target, HandlerBundles.describe(canary), e.toString());
            return ", but " + target + " could not be written (" + e + "): it does not come back at the next start";
        }
        return "; its own jar written to " + folder.getFileName() + "/" + name + ", so that it runs after a restart";
    }

    private String uninstall(Bundle b) throws BundleException, InterruptedException {
        String what = HandlerBundles.describe(b);
        Optional<Path> jar = bundles.watchedJar(b);
        long start = System.nanoTime();
        b.uninstall();
        bundles.refresh(b);
        String deleted = "";
        try {
            if (jar.isPresent() && Files.deleteIfExists(jar.get())) {
                deleted = ", its jar deleted from " + jar.get().getParent().getFileName() + "/";
            }
        } catch (java.io.IOException e) {
            deleted = ", but its jar " + jar.get() + " could not be deleted (" + e + "): it comes back at the next start";
        }
        return what + " drained and uninstalled in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms"
                + deleted;
    }
}
