package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Hot deploy under HTTP/2 load: while h2c clients keep many streams open on the handler (4
 * connections, 16 streams each, a new stream as soon as one ends), the handler bundle is updated
 * 20 times, through File Install and through the framework; every stream completes with a 200
 * from one of the two versions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class H2HotDeployIT {

    private static final String DEPLOY_PROPERTY = "spindle.it.deploy";
    private static final Duration SWAP_LIMIT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    private Path deploy;
    private Path jars;
    private int port;

    @Configuration
    public Option[] config() {
        Path dir = Paths.get(System.getProperty("spindle.work"), "h2-hotdeploy-" + System.nanoTime(), "deploy");
        return options(
                Provisioning.spindle(Http.freePort()),
                systemProperty(DEPLOY_PROPERTY).value(dir.toString()),
                systemProperty("felix.fileinstall.dir").value(dir.toString()),
                systemProperty("felix.fileinstall.poll").value("100"),
                systemProperty("felix.fileinstall.noInitialDelay").value("true"),
                systemProperty("felix.fileinstall.filter").value(".*\\.jar"),
                systemProperty("felix.fileinstall.log.level").value("1"),
                mavenBundle("org.apache.felix", "org.apache.felix.fileinstall").versionAsInProject());
    }

    @Before
    public void setUp() throws Exception {
        port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        deploy = Paths.get(context.getProperty(DEPLOY_PROPERTY));
        jars = deploy.resolveSibling("jars");
        if (swapBundle() == null) {
            Jars.drop(Jars.swapHandler(jars, "1.0.0"), deploy, "swap.jar");
            awaitVersion("1.0.0");
        }
    }

    private Bundle swapBundle() {
        for (Bundle b : context.getBundles()) {
            if ("dev.spindle.swap".equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private String servedVersion() throws IOException {
        Http.Response r = Http.get(port, "/swap");
        return r.status == 200 ? r.body.replace("version=", "") : "status " + r.status;
    }

    private void awaitVersion(String version) throws Exception {
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

    @Test
    public void twentyUpdatesUnderHttp2LoadFailNoStream() throws Exception {
        Map<String, Path> byVersion = Map.of("1.0.0", Jars.swapHandler(jars, "1.0.0"), "2.0.0", Jars.swapHandler(jars, "2.0.0"));
        Path tools = Paths.get(System.getProperty("spindle.conformance.extra")).toAbsolutePath();
        Process load = new ProcessBuilder("/usr/bin/python3", tools.resolve("h2_load.py").toString(),
                String.valueOf(port), "/swap", "4", "16").redirectErrorStream(true).start();
        String output;
        try {
            String current = servedVersion();
            for (int i = 0; i < 20; i++) {
                String next = current.equals("1.0.0") ? "2.0.0" : "1.0.0";
                if (i % 2 == 0) {
                    Jars.drop(byVersion.get(next), deploy, "swap.jar");
                } else {
                    Bundle b = swapBundle();
                    try (InputStream in = Jars.open(byVersion.get(next))) {
                        b.update(in);
                    }
                    Frameworks.refresh(context, b);
                }
                awaitVersion(next);
                current = next;
            }
        } finally {
            load.getOutputStream().close();
            output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("the load ends", load.waitFor(20, TimeUnit.SECONDS));
        }
        Map<String, Long> answers = new TreeMap<>();
        List<String> other = new ArrayList<>();
        for (String line : output.strip().split("\n")) {
            if (line.startsWith("answer ")) {
                int colon = line.lastIndexOf(": ");
                answers.put(line.substring(7, colon), Long.parseLong(line.substring(colon + 2)));
            } else {
                other.add(line);
            }
        }
        assertEquals(output, List.of("failures: 0 []"), other);
        assertEquals("only 200s from the two versions: " + answers,
                List.of("200 version=1.0.0", "200 version=2.0.0"), new ArrayList<>(answers.keySet()));
        assertTrue("the load ran: " + answers, answers.values().stream().mapToLong(Long::longValue).sum() > 500);
    }
}
