package dev.spindle.host.internal.shell;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The deployment commands of the Gogo shell, {@code spindle:deploy}, {@code undeploy} and
 * {@code redeploy}: handler bundles in and out of the framework, with the host's drain (which
 * runs as the bundle's handler services go away) and what it took reported. Each command also
 * takes any other arguments, to answer them with its usage instead of Gogo's coercion error.
 */
@Component(service = DeployCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=deploy",
    "osgi.command.function=undeploy",
    "osgi.command.function=redeploy",
})
public final class DeployCommands {

    static final String DEPLOY = "install and start a handler bundle from a jar; a bundle of that symbolic name"
            + " already installed is updated instead, its requests drained as spindle:redeploy does";
    static final String UNDEPLOY = "stop routing to a handler bundle, let its requests finish, uninstall it;"
            + " a jar File Install brought from deploy/ is deleted too, so that it does not come back at the next start";
    static final String REDEPLOY = "update a handler bundle, from where it came from or from a jar, draining the old"
            + " version's requests, and refresh it";
    static final String JAR = "a jar file (absolute, or relative to the container folder) or a URL";
    static final String BUNDLE = "the handler bundle's id or symbolic name (spindle:handlers lists them)";
    static final String OTHER = "any other arguments: answered with the usage";

    private HandlerBundles bundles;
    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.bundles = new HandlerBundles(context);
    }

    @Descriptor(DEPLOY)
    public String deploy(@Descriptor(JAR) String location) throws BundleException, InterruptedException {
        long start = System.nanoTime();
        BundleJar jar = BundleJar.read(location);
        Optional<Bundle> installed = bundles.withSymbolicName(jar.symbolicName());
        if (installed.isPresent()) {
            Bundle b = installed.get();
            if (!bundles.isHandlerBundle(b)) {
                throw new IllegalArgumentException("Cannot deploy " + location + ": " + HandlerBundles.describe(b)
                        + " is one of the container's own bundles, not a handler bundle");
            }
            String before = HandlerBundles.describe(b);
            b.update(new ByteArrayInputStream(jar.bytes()));
            bundles.refresh(b);
            return "Updated " + before + " to " + b.getVersion() + " from " + location + " (it was installed: the old"
                    + " version drained and replaced) in " + since(start) + "\n";
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
        return "Deployed " + HandlerBundles.describe(b) + " in " + since(start) + "\n";
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
        Optional<Path> jar = bundles.watchedJar(b);
        long start = System.nanoTime();
        b.uninstall();
        bundles.refresh(b);
        String took = since(start);
        String removed = "";
        if (jar.isPresent() && Files.deleteIfExists(jar.get())) {
            removed = "; deleted " + shown(jar.get()) + ", so that it does not come back at the next start";
        }
        return "Undeployed " + what + "; drained and removed in " + took + removed + "\n";
    }

    @Descriptor(OTHER)
    public String undeploy(String... arguments) throws BundleException, InterruptedException, IOException {
        if (arguments.length == 1) {
            return undeploy(arguments[0]);
        }
        throw Usage.wrong("spindle:undeploy", "one bundle id or symbolic name", arguments);
    }

    @Descriptor("update a handler bundle from where it came from (its jar in deploy/, or the jar or URL it was"
            + " deployed from), draining the old version")
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
        long start = System.nanoTime();
        if (jar == null) {
            b.update();
        } else {
            b.update(new ByteArrayInputStream(jar.bytes()));
        }
        bundles.refresh(b);
        return "Redeployed " + before + " as " + HandlerBundles.describe(b) + "; old version drained and replaced in "
                + since(start) + "\n";
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
