package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.spindle.api.HttpServer;

/**
 * Canaries from configuration: a {@code dev.spindle.canary-<name>.cfg} file File Install turns
 * into a factory configuration starts one, with stickiness by a header; it survives a restart of
 * the host; deleting the file rolls it back; a promotion deletes the file.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CanaryConfigIT {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        Path dir = Paths.get(System.getProperty("spindle.work"), "canary-config-" + System.nanoTime(), "config");
        return options(Provisioning.spindle(Http.freePort()), SwapBundle.fileInstall(dir, ".*\\.cfg"));
    }

    private List<String> swapVersions() {
        return java.util.Arrays.stream(context.getBundles()).filter(b -> "dev.spindle.swap".equals(b.getSymbolicName())
                && b.getState() != Bundle.UNINSTALLED).map(b -> b.getVersion().toString()).sorted().toList();
    }

    /** The handler states now, from the server running now (it restarts in the test). */
    private List<String> states() {
        var ref = context.getServiceReference(HttpServer.class);
        HttpServer server = ref == null ? null : context.getService(ref);
        try {
            return server == null ? List.of() : server.handlers().stream().filter(h -> !h.webSocket())
                    .map(HttpServer.HandlerRegistration::state).sorted().toList();
        } finally {
            if (ref != null) {
                context.ungetService(ref);
            }
        }
    }

    private String version(int port, String user) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /swap HTTP/1.1\r\nHost: t\r\nX-User: " + user + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return Http.read(s.getInputStream()).body;
        }
    }

    @Test
    public void aConfiguredCanaryIsStickySurvivesARestartAndEndsWithItsFile() throws Exception {
        int port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        Path config = Paths.get(context.getProperty(SwapBundle.DEPLOY_PROPERTY));
        Path jars = config.resolveSibling("jars");
        Bundle stable;
        try (InputStream in = Jars.open(Jars.swapHandler(jars, "1.0.0"))) {
            stable = context.installBundle("stable-1.0.0", in);
        }
        stable.start();
        Files.createDirectories(config);
        Path file = config.resolve("dev.spindle.canary-swap.cfg");
        Files.writeString(file, "location = " + Jars.swapHandler(jars, "2.0.0") + "\npercent = 50\nstickyHeader = X-User\n");
        CanaryIT.await("the canary runs", () -> states().equals(List.of("ACTIVE", "CANARY")));

        Set<String> seen = new HashSet<>();
        for (int u = 0; u < 20; u++) {
            String first = version(port, "user-" + u);
            for (int i = 0; i < 4; i++) {
                assertEquals("user-" + u + " keeps one version", first, version(port, "user-" + u));
            }
            seen.add(first);
        }
        assertEquals("both versions serve users", Set.of("version=1.0.0", "version=2.0.0"), seen);

        Bundle host = java.util.Arrays.stream(context.getBundles()).filter(b -> "dev.spindle.host".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        host.stop();
        host.start();
        CanaryIT.await("the canary runs again after the restart", () -> states().equals(List.of("ACTIVE", "CANARY")));
        assertEquals(List.of("1.0.0", "2.0.0"), swapVersions());

        Files.delete(file);
        CanaryIT.await("deleting its file rolls the canary back", () -> swapVersions().equals(List.of("1.0.0")));
        CanaryIT.await("the stable version serves alone", () -> states().equals(List.of("ACTIVE")));

        Files.writeString(file, "location = " + Jars.swapHandler(jars, "3.0.0")
                + "\npercent = 50\nsteps = 100\nwindowSeconds = 1\nminRequests = 10\nmaxP99Ratio = 50\n");
        CanaryIT.await("the second canary runs", () -> states().equals(List.of("ACTIVE", "CANARY")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!swapVersions().equals(List.of("3.0.0")) && System.nanoTime() < deadline) {
            assertEquals(200, Http.get(port, "/swap").status);
        }
        assertEquals("promoted after a clean window", List.of("3.0.0"), swapVersions());
        CanaryIT.await("the promotion deletes its configuration file", () -> !Files.exists(file));
        assertEquals("version=3.0.0", Http.get(port, "/swap").body);
    }
}
