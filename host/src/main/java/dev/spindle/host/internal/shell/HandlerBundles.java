package dev.spindle.host.internal.shell;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;

import dev.spindle.api.Handler;

/**
 * Beside the shell's deployment commands: which installed bundles are handler bundles, which of
 * them File Install brought from {@code deploy/}, and what an unresolved one is missing. Reads the
 * framework only; changes nothing (but for {@link #refresh}). The canary releases use it too.
 */
public final class HandlerBundles {

    private final BundleContext context;

    public HandlerBundles(BundleContext context) {
        this.context = context;
    }

    /** The bundle with this id or symbolic name; the answer names what was asked for. */
    Bundle find(String bundle) {
        for (Bundle b : context.getBundles()) {
            if (bundle.equals(String.valueOf(b.getBundleId())) || bundle.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new IllegalArgumentException("No bundle with id or symbolic name " + bundle
                + " (spindle:handlers lists the handler bundles)");
    }

    /** The installed bundle with this symbolic name, if any (the newest one when several are). */
    Optional<Bundle> withSymbolicName(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .max((a, b) -> a.getVersion().compareTo(b.getVersion()));
    }

    /**
     * The bundle named, if it is a handler bundle: one that registers a {@code Handler} service, or
     * one that uses the API (imports {@code dev.spindle.api}) without being the API or the host.
     * The framework's bundles are refused: undeploying the host would take every route with it.
     */
    Bundle handlerBundle(String bundle, String command) {
        Bundle b = find(bundle);
        if (!isHandlerBundle(b)) {
            throw new IllegalArgumentException(describe(b) + " is not a handler bundle: " + command
                    + " takes handler bundles only (the container's own bundles are managed with"
                    + " the framework's commands: stop, update, uninstall)");
        }
        return b;
    }

    public boolean isHandlerBundle(Bundle b) {
        if (b.getBundleId() == 0 || b.equals(context.getBundle())) {
            return false;
        }
        ServiceReference<?>[] services = b.getRegisteredServices();
        if (services != null) {
            for (ServiceReference<?> ref : services) {
                Object classes = ref.getProperty(Constants.OBJECTCLASS);
                if (classes instanceof String[] && Arrays.asList((String[]) classes).contains(Handler.class.getName())) {
                    return true;
                }
            }
        }
        return mentionsApi(b.getHeaders().get(Constants.IMPORT_PACKAGE))
                && !mentionsApi(b.getHeaders().get(Constants.EXPORT_PACKAGE));
    }

    private static boolean mentionsApi(String header) {
        return header != null && header.matches("(?s).*(^|,)\\s*dev\\.spindle\\.api\\s*(;|,|$).*");
    }

    /**
     * {@code b}'s jar in one of File Install's folders, if it has one: the file File Install
     * installed it from, or else the jar there whose manifest names {@code b}'s symbolic name and
     * version. The second is a promoted canary's: it keeps the location it was installed from, and
     * the promotion wrote its jar into {@code deploy/}, which File Install then found installed and
     * updated in place. The framework holds one bundle per symbolic name and version, so such a jar
     * is no other bundle's.
     */
    public Optional<Path> watchedJar(Bundle b) {
        List<Path> folders = watchedFolders();
        Optional<Path> installedFrom = file(b.getLocation()).filter(jar -> folders.contains(jar.getParent()));
        if (installedFrom.isPresent() || b.getSymbolicName() == null) {
            return installedFrom;
        }
        String wanted = identity(b);
        for (Path folder : folders) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(folder, "*.jar")) {
                for (Path jar : jars) {
                    if (wanted.equals(identity(jar))) {
                        return Optional.of(jar.toAbsolutePath().normalize());
                    }
                }
            } catch (IOException | DirectoryIteratorException noFolder) {
                // not there (yet): no jar of b's in it
            }
        }
        return Optional.empty();
    }

    /** The file a location names ({@code file:}, optionally behind {@code reference:}), absolute. */
    public static Optional<Path> file(String location) {
        String l = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!l.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Paths.get(URI.create(l)).toAbsolutePath().normalize());
        } catch (IllegalArgumentException | FileSystemNotFoundException notAFile) {
            return Optional.empty();
        }
    }

    /** {@code symbolic.name 1.2.3}: what one installed bundle alone has. */
    public static String identity(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion();
    }

    /** {@link #identity(Bundle)} of the bundle a jar holds, from its manifest; null for a jar that is no bundle. */
    public static String identity(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String name = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (name == null) {
                return null;
            }
            String version = manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
            return name.split(";")[0].trim() + " " + Version.parseVersion(version == null ? null : version.trim());
        } catch (IOException | IllegalArgumentException notABundle) {
            return null;
        }
    }

    private boolean fileInstallRuns() {
        for (Bundle b : context.getBundles()) {
            if ("org.apache.felix.fileinstall".equals(b.getSymbolicName())
                    && (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0) {
                return true;
            }
        }
        return false;
    }

    /** File Install's folders ({@code felix.fileinstall.dir}, comma-separated), absolute; none without File Install. */
    private List<Path> watchedFolders() {
        // the property may be a system property another framework in this JVM was given: the
        // folders count only where File Install itself runs
        String dirs = fileInstallRuns() ? context.getProperty("felix.fileinstall.dir") : null;
        return dirs == null ? List.of() : folders(dirs);
    }

    /** The folders of a {@code felix.fileinstall.dir} value (comma-separated), absolute. */
    public static List<Path> folders(String dirs) {
        List<Path> out = new ArrayList<>();
        for (String d : dirs.split(",")) {
            if (!d.isBlank()) {
                out.add(Paths.get(d.trim()).toAbsolutePath().normalize());
            }
        }
        return List.copyOf(out);
    }

    /** Installed bundles that did not resolve and that came from {@code deploy/} or use the API. */
    List<Bundle> unresolved() {
        List<Bundle> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.INSTALLED && (watchedJar(b).isPresent()
                    || mentionsApi(b.getHeaders().get(Constants.IMPORT_PACKAGE)))) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * What keeps {@code b} from resolving: its mandatory requirements that nothing installed
     * provides, as {@code package com.example (version>=1.0.0)}; a requirement whose providers
     * exist but do not resolve themselves is not named (the framework's log says more).
     */
    String missing(Bundle b) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        if (revision == null) {
            return "-";
        }
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        List<String> missing = new ArrayList<>();
        for (BundleRequirement r : revision.getDeclaredRequirements(null)) {
            if (Namespace.RESOLUTION_OPTIONAL.equals(r.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))) {
                continue;
            }
            Collection<BundleCapability> providers = wiring.findProviders(r);
            if (providers.isEmpty()) {
                missing.add(requirement(r));
            }
        }
        return missing.isEmpty() ? "a requirement whose provider does not resolve (see the log)"
                : String.join(", ", missing);
    }

    /**
     * {@code package com.example (version>=1.0.0, not version>=2.0.0)} from
     * {@code (&(osgi.wiring.package=com.example)(version>=1.0.0)(!(version>=2.0.0)))}.
     */
    private static String requirement(BundleRequirement r) {
        String filter = r.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "");
        String ns = r.getNamespace();
        String kind = ns.startsWith("osgi.wiring.") ? ns.substring("osgi.wiring.".length()) : ns;
        String name = null;
        List<String> rest = new ArrayList<>();
        String flat = filter.replaceAll("\\(!\\(([^()]*)\\)\\)", "(not $1)");
        for (String term : flat.replaceAll("^\\(&", "").split("\\)\\(|[()]")) {
            if (term.isBlank()) {
                continue;
            }
            if (term.startsWith(ns + "=")) {
                name = term.substring(ns.length() + 1);
            } else {
                rest.add(term);
            }
        }
        if (name == null) {
            return ns + " " + filter;
        }
        return kind + " " + name + (rest.isEmpty() ? "" : " (" + String.join(", ", rest) + ")");
    }

    /** Refreshes {@code b} and waits (60 s at most) until the framework has done so. */
    public void refresh(Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("refresh of bundle " + b.getBundleId() + " did not finish within 60 s");
        }
    }

    public static String describe(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
    }
}
