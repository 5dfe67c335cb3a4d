package dev.spindle.host.internal.shell;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.spindle.host.internal.canary.Canaries;
import dev.spindle.host.internal.canary.CanaryPolicy;
import dev.spindle.host.internal.canary.Release;
import dev.spindle.host.internal.canary.Sample;
import dev.spindle.host.internal.router.CanarySplit;

/**
 * The canary commands of the Gogo shell, {@code spindle:canary}, {@code promote} and
 * {@code rollback}: a second version of a handler bundle beside the running one, at a share of its
 * routes' requests, judged by the {@link Canaries} analysis, promoted or rolled back.
 */
@Component(service = CanaryCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=canary",
    "osgi.command.function=promote",
    "osgi.command.function=rollback",
})
public final class CanaryCommands {

    static final String CANARY = "install a jar as a canary beside the running version of its handler bundle (same"
            + " symbolic name), at a share of its routes' requests, judged every window and rolled back on a failed"
            + " check; without arguments, list the canaries: stable and canary side by side";
    static final String ROUTE = "a route the canary serves (spindle:canary lists them; /x for /x/*, which Gogo"
            + " expands as a file name unless quoted), or its symbolic name";

    static final String PERCENT = "its share of the requests in percent (default 10)";

    private final Canaries canaries;

    @Activate
    public CanaryCommands(@Reference(name = "canaries") Canaries canaries) {
        this.canaries = canaries;
    }

    @Descriptor(CANARY)
    public String canary() {
        Table t = new Table("ROUTE", "VERSION", "ROLE", "WEIGHT", "REQUESTS", "2XX %", "4XX %", "5XX %", "P50 MS", "P99 MS",
                "VERDICT");
        for (Release r : canaries.releases()) {
            List<CanarySplit> splits = canaries.splits(r.canary().getBundleId());
            String routes = splits.isEmpty() ? "-" : String.join(",", splits.stream().map(CanarySplit::route).toList());
            Sample[] window = r.window(splits);
            org.osgi.framework.Bundle stable = r.canary().getBundleContext() == null ? null
                    : r.canary().getBundleContext().getBundle(r.stableBundleId());
            row(t, routes, stable == null ? "[" + r.stableBundleId() + "]" : HandlerBundles.describe(stable), "stable",
                    100 - r.percent(), window[0], "");
            row(t, routes, HandlerBundles.describe(r.canary()), "canary", r.percent(), window[1], r.verdict());
        }
        return t.toString();
    }

    private static void row(Table t, String routes, String version, String role, int weight, Sample s, String verdict) {
        t.row(routes, version, role, weight + " %", s.requests(), percent(s.rate(2)), percent(s.rate(4)), percent(s.rate(5)),
                millis(s.latencyMillis(50)), millis(s.latencyMillis(99)), verdict);
    }

    private static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String millis(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    @Descriptor(CANARY)
    public String canary(
            @Descriptor("shares to step up to after each clean window, comma-separated, ending with 100 for a full"
                    + " promotion (default: none, it stays until spindle:promote)")
            @Parameter(names = {"-s", "--steps"}, absentValue = "") String steps,
            @Descriptor("the analysis window in seconds (default 30)")
            @Parameter(names = {"-w", "--window"}, absentValue = "30") int window,
            @Descriptor("requests the canary must serve in a window before it is judged (default 100)")
            @Parameter(names = {"-m", "--min-requests"}, absentValue = "100") int minRequests,
            @Descriptor("how far the canary's 5xx rate may be above the stable version's, in percentage points"
                    + " (default 1)")
            @Parameter(names = {"--max-5xx-points"}, absentValue = "1") double max5xxPoints,
            @Descriptor("how many times the stable version's p99 latency the canary's may be over a window (default 2)")
            @Parameter(names = {"--max-p99-ratio"}, absentValue = "2") double maxP99Ratio,
            @Descriptor("a header whose value's hash keeps a client on one version")
            @Parameter(names = {"--sticky-header"}, absentValue = "") String stickyHeader,
            @Descriptor("a cookie whose value's hash keeps a client on one version")
            @Parameter(names = {"--sticky-cookie"}, absentValue = "") String stickyCookie,
            @Descriptor(DeployCommands.JAR) String location,
            @Descriptor(PERCENT) int percent) throws BundleException {
        CanaryPolicy policy = CanaryPolicy.DEFAULT.with(Map.of("steps", steps, "windowSeconds", window,
                "minRequests", minRequests, "percent", percent, "max5xxPoints", max5xxPoints, "maxP99Ratio", maxP99Ratio,
                "stickyHeader", stickyHeader, "stickyCookie", stickyCookie));
        BundleJar jar = BundleJar.read(location);
        Release r = canaries.start(jar.uri(), jar.bytes(), jar.symbolicName(), jar.version(), policy, Canaries.SHELL);
        return "Canary " + HandlerBundles.describe(r.canary()) + " takes " + r.percent() + " % of "
                + String.join(", ", canaries.splits(r.canary().getBundleId()).stream().map(CanarySplit::route).toList())
                + (policy.steps().isEmpty() ? "" : ", then " + policy.steps() + " % after each clean window of "
                        + policy.windowSeconds() + " s") + "\n";
    }

    @Descriptor(OTHER_CANARY)
    public String canary(String... arguments) throws BundleException {
        if (arguments.length == 0) {
            return canary();
        }
        if (arguments.length <= 2) {
            int percent;
            try {
                percent = arguments.length == 2 ? Integer.parseInt(arguments[1]) : 10;
            } catch (NumberFormatException e) {
                throw Usage.wrong("spindle:canary", "a jar file or URL, then optionally a percent", arguments);
            }
            return canary("", 30, 100, 1, 2, "", "", arguments[0], percent);
        }
        throw Usage.wrong("spindle:canary", "a jar file or URL, then optionally a percent", arguments);
    }

    static final String OTHER_CANARY = "a jar file or URL and optionally a percent; or nothing, to list the canaries";

    @Descriptor("make the canary the only version: the stable one gets no new request, drains, and is uninstalled")
    public String promote(@Descriptor(ROUTE) String route) throws BundleException, InterruptedException {
        return canaries.promote(canaries.find(route), "spindle:promote");
    }

    @Descriptor("remove the canary: it gets no new request, drains, and is uninstalled")
    public String rollback(@Descriptor(ROUTE) String route) throws BundleException, InterruptedException {
        return canaries.rollback(canaries.find(route), "spindle:rollback");
    }
}
