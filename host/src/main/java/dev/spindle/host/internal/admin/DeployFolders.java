package dev.spindle.host.internal.admin;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;

import dev.spindle.host.internal.shell.HandlerBundles;

/**
 * Beside the data path, for {@code /health/ready}: whether each jar in the folders File Install
 * deploys from (framework property {@code felix.fileinstall.dir}, {@code deploy} by default) is an
 * installed bundle that is active (a fragment: resolved): the bundle installed from it, or else the
 * one of the symbolic name and version its manifest names (a promoted canary's jar, see
 * {@link HandlerBundles#watchedJar}). A jar not installed yet, one that does not resolve, one
 * stopped or starting keeps the server from being ready.
 */
final class DeployFolders {

    static final String FILEINSTALL_DIR = "felix.fileinstall.dir";

    private final BundleContext context;
    private final List<Path> folders;

    DeployFolders(BundleContext context) {
        this.context = context;
        String dirs = context.getProperty(FILEINSTALL_DIR);
        this.folders = HandlerBundles.folders(dirs == null ? "deploy" : dirs);
    }

    /** What keeps a deployed bundle from being active, one line per jar; empty when all are. */
    List<String> problems() {
        Map<Path, Bundle> byFile = new HashMap<>();
        Map<String, Bundle> byIdentity = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            HandlerBundles.file(b.getLocation()).ifPresent(file -> byFile.put(file, b));
            byIdentity.put(HandlerBundles.identity(b), b);
        }
        List<String> problems = new ArrayList<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(folder, "*.jar")) {
                for (Path jar : jars) {
                    Bundle b = byFile.get(jar.toAbsolutePath().normalize());
                    if (b == null) { // a promoted canary's jar: that bundle came from elsewhere (see HandlerBundles)
                        String identity = HandlerBundles.identity(jar);
                        b = identity == null ? null : byIdentity.get(identity);
                    }
                    String problem = problem(b);
                    if (problem != null) {
                        problems.add(folder.getFileName() + "/" + jar.getFileName() + ": " + problem);
                    }
                }
            } catch (IOException e) {
                problems.add(folder + ": cannot list: " + e.getMessage());
            }
        }
        return problems;
    }

    private static String problem(Bundle b) {
        if (b == null) {
            return "not installed (yet, or not a bundle: see the log)";
        }
        boolean fragment = (b.adapt(BundleRevision.class) != null)
                && (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
        switch (b.getState()) {
            case Bundle.ACTIVE:
                return null;
            case Bundle.RESOLVED:
                return fragment ? null : "resolved but not active (stopped)";
            case Bundle.INSTALLED:
                return "installed but not resolved (a requirement is missing: see the log or 'diag "
                        + b.getBundleId() + "')";
            case Bundle.STARTING:
                return "starting";
            case Bundle.STOPPING:
                return "stopping";
            default:
                return "uninstalled";
        }
    }
}
