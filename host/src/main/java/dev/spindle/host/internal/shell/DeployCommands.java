package dev.spindle.host.internal.shell;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import dev.spindle.host.internal.canary.Canaries;

/**
 * The deployment commands of the Gogo shell, {@code spindle:deploy}, {@code undeploy} and
 * {@code redeploy}: handler bundles in and out of the framework, with the host's drain (which
 * runs as the bundle's handler services go away) and what it took reported. Each command also
 * takes any other arguments, to answer them with its usage instead of Gogo's coercion error.
 * A deploy, redeploy or undeploy of a handler bundle with a canary in flight rolls the canary back
 * first ({@link Canaries#rollbackFor}), so that neither version is left to the other's command.
 */
@Component(service = DeployCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=deploy",
    "osgi.command.function=undeploy",
    "osgi.command.function=redeploy",
})
public final class DeployCommands {

    static final String DEPLOY = "install and start a handler bundle from a jar; a bundle of that symbolic name"
            + " already installed is updated instead, its requests drained as spindle:redeploy does (one that came"
            + " from deploy/ through its jar there, which the new jar replaces)";
    static final String UNDEPLOY = "stop routing to a handler bundle, let its requests finish, uninstall it;"
            + " a jar File Install brought from deploy/ is deleted too, so that it does not come back at the next start";
    static final String REDEPLOY = "update a handler bundle, from where it came from or from a jar, draining the old"
            + " version's requests, and refresh it";
    static final String JAR = "a jar file (absolute, or relative to the container folder) or a URL";
    static final String BUNDLE = "the handler bundle's id or symbolic name (spindle:handlers lists them)";
    static final String OTHER = "any other arguments: answered with the usage";
    /** How long File Install may take to update a bundle from its jar in deploy/ (it polls every 250 ms). */
    private static final int FILE_INSTALL_SECONDS = 30;

    private HandlerBundles bundles;
    private BundleContext context;
    /** Absent until the host serves (it offers the whiteboard the canaries need). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Canaries canaries;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.bundles = new HandlerBundles(context);
    }

    @Descriptor(DEPLOY)
    public String deploy(@Descriptor(JAR) String location) throws BundleException, InterruptedException {
        long start = System.nanoTime();
        BundleJar jar = BundleJar.read(location);
        String rolled = rollBackCanary(jar.symbolicName(), "spindle:deploy " + location);
        Optional<Bundle> installed = bundles.withSymbolicName(jar.symbolicName());
        if (installed.isPresent()) {
            Bundle b = installed.get();
            if (!bundles.isHandlerBundle(b)) {
                throw new IllegalArgumentException("Cannot deploy " + location + ": " + HandlerBundles.describe(b)
                        + " is one of the container's own bundles, not a handler bundle");
            }
            String before = HandlerBundles.describe(b);
            String kept = update(b, jar);
            return rolled + "Updated " + before + " to " + b.getVersion() + " from " + location + " (it was installed: the old"
                    + " version drained and replaced" + kept + ") in " + since(start) + "\n";
        }
        Bundle b = context.installBundle(jar.uri(), new ByteArrayInputStream(jar.bytes()));
        try {
            b.start();
        } catch (BundleException e) {
            String why = b.getState() == Bundle.INSTALLED ? "it does not resolve: missing " + bundles.missing(b)
                    : "it failed to start: " + e.getMessage();
            b.uninstall();
            throw new IllegalArgumentException("Cannot deploy " + location + ": " + jar.symbolicName() + " "
                    + jar.version() + " was not kept, " + why, e);
        }
        return rolled + "Deployed " + HandlerBundles.describe(b) + " in " + since(start) + "\n";
    }

    @Descriptor(OTHER)
    public String deploy(String... arguments) throws BundleException, InterruptedException {
        if (arguments.length == 1) {
            return deploy(arguments[0]);
        }
        throw Usage.wrong("spindle:deploy", "one jar file or URL", arguments);
    }

    @Descriptor(UNDEPLOY)
    public String undeploy(@Descriptor(BUNDLE) String bundle) throws BundleException, InterruptedException, IOException {
        Bundle b = bundles.handlerBundle(bundle, "spindle:undeploy");
        String what = HandlerBundles.describe(b);
        String rolled = rollBackCanary(b.getSymbolicName(), "spindle:undeploy " + bundle);
        if (b.getState() == Bundle.UNINSTALLED) {
            return rolled; // it was the canary
        }
        Optional<Path> jar = bundles.watchedJar(b);
        long start = System.nanoTime();
        b.uninstall();
        bundles.refresh(b);
        String took = since(start);
        String removed = "";
        if (jar.isPresent() && Files.deleteIfExists(jar.get())) {
            removed = "; deleted " + shown(jar.get()) + ", so that it does not come back at the next start";
        }
        return rolled + "Undeployed " + what + "; drained and removed in " + took + removed + "\n";
    }

    @Descriptor(OTHER)
    public String undeploy(String... arguments) throws BundleException, InterruptedException, IOException {
        if (arguments.length == 1) {
            return undeploy(arguments[0]);
        }
        throw Usage.wrong("spindle:undeploy", "one bundle id or symbolic name", arguments);
    }

    @Descriptor("update a handler bundle from where it came from (its jar in deploy/, a promoted canary's too, or the"
            + " jar or URL it was deployed from), draining the old version")
    public String redeploy(@Descriptor(BUNDLE) String bundle) throws BundleException, InterruptedException {
        return redeploy(bundles.handlerBundle(bundle, "spindle:redeploy"), null, null);
    }

    @Descriptor("update a handler bundle from a jar, draining the old version")
    public String redeploy(@Descriptor(BUNDLE) String bundle, @Descriptor(JAR) String location)
            throws BundleException, InterruptedException {
        Bundle b = bundles.handlerBundle(bundle, "spindle:redeploy");
        return redeploy(b, location, BundleJar.read(location));
    }

    @Descriptor(OTHER)
    public String redeploy(String... arguments) throws BundleException, InterruptedException {
        if (arguments.length == 1) {
            return redeploy(arguments[0]);
        }
        if (arguments.length == 2) {
            return redeploy(arguments[0], arguments[1]);
        }
        throw Usage.wrong("spindle:redeploy", "a bundle id or symbolic name, then optionally a jar file or URL",
                arguments);
    }

    private String redeploy(Bundle b, String location, BundleJar jar) throws BundleException, InterruptedException {
        String before = HandlerBundles.describe(b);
        String rolled = rollBackCanary(b.getSymbolicName(), "spindle:redeploy " + before);
        if (b.getState() == Bundle.UNINSTALLED) {
            return rolled; // it was the canary
        }
        long start = System.nanoTime();
        String kept = "";
        if (jar == null) {
            Optional<Path> watched = bundles.watchedJar(b); // a promoted canary's is not where it was installed from
            if (watched.isEmpty()) {
                b.update();
            } else {
                try (InputStream in = Files.newInputStream(watched.get())) {
                    b.update(in);
                } catch (IOException e) {
                    throw new IllegalStateException("Cannot read " + shown(watched.get()) + ", the jar of "
                            + HandlerBundles.describe(b) + ": " + e, e);
                }
            }
            bundles.refresh(b);
        } else {
            kept = update(b, jar);
        }
        return rolled + "Redeployed " + before + " as " + HandlerBundles.describe(b) + "; old version drained and replaced"
                + kept + " in " + since(start) + "\n";
    }

    /**
     * Updates {@code b} from {@code jar} and refreshes it; returns what the answer adds. A bundle
     * that File Install brought from {@code deploy/} is updated through its jar there: the new jar
     * is put in its place (written aside, then renamed over it) and File Install updates and
     * refreshes the bundle, once; updated here instead, the old jar would stay in {@code deploy/}
     * and come back at the next start (File Install installs what is there), and rewriting it
     * afterwards would make File Install update the bundle a second time.
     */
    private String update(Bundle b, BundleJar jar) throws BundleException, InterruptedException {
        Optional<Path> watched = bundles.watchedJar(b);
        if (watched.isEmpty()) {
            b.update(new ByteArrayInputStream(jar.bytes()));
            bundles.refresh(b);
            return "";
        }
        Path file = watched.get();
        CountDownLatch updated = new CountDownLatch(1);
        CountDownLatch refreshed = new CountDownLatch(1);
        BundleListener onUpdate = e -> {
            if (e.getType() == BundleEvent.UPDATED && e.getBundle().equals(b)) {
                updated.countDown();
            }
        };
        FrameworkListener onRefresh = e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED && updated.getCount() == 0) {
                refreshed.countDown();
            }
        };
        context.addBundleListener(onUpdate);
        context.addFrameworkListener(onRefresh);
        try {
            Path aside = file.resolveSibling("." + file.getFileName() + ".part"); // not *.jar: File Install ignores it
            try {
                Files.write(aside, jar.bytes());
                Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write " + shown(file) + ", the jar " + HandlerBundles.describe(b)
                        + " came from: " + e, e);
            }
            if (!updated.await(FILE_INSTALL_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Wrote the new jar into " + shown(file) + ", but File Install did not"
                        + " update " + HandlerBundles.describe(b) + " from it within " + FILE_INSTALL_SECONDS + " s");
            }
            refreshed.await(FILE_INSTALL_SECONDS, TimeUnit.SECONDS); // File Install refreshes what it updated
        } finally {
            context.removeBundleListener(onUpdate);
            context.removeFrameworkListener(onRefresh);
        }
        return "; " + shown(file) + " now holds the new jar, so that it comes back at the next start";
    }

    /** Rolls back the canary of {@code bsn} in flight, if any, before {@code command}; returns what was done, or "". */
    private String rollBackCanary(String bsn, String command) throws BundleException, InterruptedException {
        Canaries c = canaries;
        return c == null ? "" : c.rollbackFor(bsn, command);
    }

    /** A path under the container folder relative to it ({@code deploy/x.jar}), any other absolute. */
    private static String shown(Path p) {
        Path here = Paths.get("").toAbsolutePath();
        return p.startsWith(here) ? here.relativize(p).toString() : p.toString();
    }

    private static String since(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms";
    }
}
