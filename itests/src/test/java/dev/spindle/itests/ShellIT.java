package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;

/** The {@code spindle:} Gogo commands after real traffic: the numbers in the tables are the traffic sent. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor processor;

    @Inject
    private HttpServer server;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort()),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject());
    }

    private int port() {
        return Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
    }

    private String run(String command) throws Exception {
        return Gogo.run(processor, command);
    }

    private ServiceRegistration<Handler> register(String route, int ranking, String methods, Handler h) {
        Dictionary<String, Object> props = new Hashtable<>();
        if (route != null) {
            props.put(Handler.ROUTE, route);
        }
        props.put(Constants.SERVICE_RANKING, ranking);
        if (methods != null) {
            props.put(Handler.METHODS, methods);
        }
        return context.registerService(Handler.class, h, props);
    }

    private static long id(ServiceRegistration<?> r) {
        return (Long) r.getReference().getProperty(Constants.SERVICE_ID);
    }

    /** The row of service {@code id} in {@code spindle:handlers}, split on runs of two or more spaces. */
    private static String[] row(String table, long id) {
        for (String line : table.split("\n")) {
            if (line.startsWith(id + " ")) {
                return line.split(" {2,}");
            }
        }
        throw new AssertionError("no row for service " + id + " in\n" + table);
    }

    @Test
    public void handlersShowsCountsShadowingAndFailures() throws Exception {
        ServiceRegistration<Handler> winner = register("/shell/a", 10, "GET", (req, res) -> res.end("a"));
        ServiceRegistration<Handler> shadowed = register("/shell/a", 0, "GET", (req, res) -> res.end("b"));
        ServiceRegistration<Handler> failing = register("/shell/fail", 0, null, (req, res) -> {
            throw new IllegalStateException("boom");
        });
        ServiceRegistration<Handler> broken = register(null, 0, null, (req, res) -> res.end());
        try {
            for (int i = 0; i < 3; i++) {
                assertEquals("a", Http.get(port(), "/shell/a").body);
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(500, Http.get(port(), "/shell/fail").status);
            }
            // a response counts once it has been handed to the socket ('finish'), which may be
            // just after the client has read it: wait for the last one to settle
            String table = run("spindle:handlers");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!row(table, id(failing))[7].equals("0") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                table = run("spindle:handlers");
            }
            String[] a = row(table, id(winner));
            // ID BUNDLE ROUTE METHODS RANK BLOCKING STATE IN-FLIGHT TOTAL 2XX 4XX 5XX P50 P99 THREW
            assertEquals(table, "/shell/a", a[2]);
            assertEquals(table, "ACTIVE", a[6]);
            assertEquals(table, "3", a[8]);
            assertEquals(table, "3", a[9]);
            assertTrue(table, !a[12].equals("-") && Double.parseDouble(a[12]) > 0);
            assertEquals(table, "SHADOWED", row(table, id(shadowed))[6]);
            assertEquals(table, "by service " + id(winner), row(table, id(shadowed))[15]);
            assertEquals(table, "3", row(table, id(failing))[11]);
            assertEquals(table, "IllegalStateException 3", row(table, id(failing))[14]);
            assertEquals(table, "-", a[14]);
            HttpServer.HandlerRegistration failed = server.handlers().stream()
                    .filter(h -> h.serviceId() == id(failing)).findFirst().orElseThrow();
            assertEquals(java.util.Map.of(IllegalStateException.class.getName(), 3L), failed.exceptions());
            assertEquals(table, "FAILED", row(table, id(broken))[6]);
            assertEquals(table, "spindle.route is missing", row(table, id(broken))[15]);

            String why = run("spindle:routes /shell/a");
            assertTrue(why, why.startsWith("GET /shell/a -> service " + id(winner)));
            assertTrue(why, why.contains("ahead of 1 other handler(s)"));
            assertTrue(run("spindle:routes POST /shell/a").contains("-> 405"));
            assertTrue(run("spindle:routes /nowhere").contains("-> 404: no route matches /nowhere"));
            assertTrue(run("spindle:routes").contains("/shell/a"));
        } finally {
            winner.unregister();
            shadowed.unregister();
            failing.unregister();
            broken.unregister();
        }
    }

    @Test
    public void aHandlerBeingRemovedShowsDraining() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Runnable> finish = new CompletableFuture<>();
        ServiceRegistration<Handler> reg = register("/shell/slow", 0, null, (req, res) -> {
            res.write("started");
            finish.complete(res::end);
            started.countDown();
        });
        long id = id(reg);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /shell/slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            String connections = run("spindle:connections");
            String mine = connections.lines().filter(l -> l.contains("127.0.0.1:" + s.getLocalPort())).findFirst()
                    .orElseThrow(() -> new AssertionError(connections));
            assertEquals(connections, "writing", mine.split(" {2,}")[5]);
            CompletableFuture<Void> unregister = CompletableFuture.runAsync(reg::unregister);
            String table = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!table.contains("DRAINING") && System.nanoTime() < deadline) {
                table = run("spindle:handlers");
            }
            assertEquals(table, "DRAINING", row(table, id)[6]);
            assertEquals(table, "1 in flight", row(table, id)[15]);
            finish.get().run();
            unregister.get(10, TimeUnit.SECONDS);
            assertTrue(run("spindle:handlers").indexOf(id + " ") < 0);
        }
    }

    @Test
    public void statsConnectionsAndConfigDescribeTheServer() throws Exception {
        ServiceRegistration<Handler> reg = register("/shell/hello", 0, null, (req, res) -> res.end("hello"));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port())) {
            s.setSoTimeout(10_000);
            long before = server.stats().totalRequests();
            for (int i = 0; i < 2; i++) {
                s.getOutputStream().write("GET /shell/hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals("hello", Http.read(s.getInputStream()).body);
            }
            String stats = run("spindle:stats");
            Matcher requests = Pattern.compile("(?m)^requests\\s+(\\d+)$").matcher(stats);
            assertTrue(stats, requests.find());
            assertEquals(stats, before + 2, Long.parseLong(requests.group(1)));
            assertTrue(stats, stats.contains("transport                      epoll"));
            Matcher bytesIn = Pattern.compile("(?m)^bytes in\\s+(\\d+)$").matcher(stats);
            Matcher bytesOut = Pattern.compile("(?m)^bytes out\\s+(\\d+)$").matcher(stats);
            assertTrue(stats, bytesIn.find() && bytesOut.find());
            assertTrue(stats, Long.parseLong(bytesIn.group(1)) >= 2 * 40 && Long.parseLong(bytesOut.group(1)) >= 2 * 100);

            String connections = run("spindle:connections");
            String local = "127.0.0.1:" + s.getLocalPort();
            String line = connections.lines().filter(l -> l.contains(local)).findFirst().orElseThrow(() -> new AssertionError(connections));
            String[] cells = line.split(" {2,}");
            assertEquals(connections, "2", cells[3]);
            assertEquals(connections, "idle", cells[5]);
            assertEquals(connections, "h1", cells[6]);

            String config = run("spindle:config");
            assertTrue(config, config.contains("port                    " + port() + "  ConfigAdmin")
                    || config.matches("(?s).*port\\s+" + port() + "\\s+ConfigAdmin.*"));
            assertTrue(config, config.matches("(?s).*drainTimeoutMillis\\s+10000\\s+default.*"));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void deployRedeployAndUndeployReportWhatHappened() throws Exception {
        java.nio.file.Path dir = java.nio.file.Paths.get(System.getProperty("spindle.work"), "shell-deploy");
        java.nio.file.Path v1 = Jars.swapHandler(dir, "1.0.0");
        java.nio.file.Path v2 = Jars.swapHandler(dir, "2.0.0");

        String deployed = run("spindle:deploy " + v1);
        assertTrue(deployed, deployed.matches("(?s)Deployed dev\\.spindle\\.swap 1\\.0\\.0 \\[\\d+\\] in \\d+ ms\\s*"));
        assertEquals("version=1.0.0", Http.get(port(), "/swap").body);

        String redeployed = run("spindle:redeploy dev.spindle.swap " + v2);
        assertTrue(redeployed, redeployed.matches("(?s)Redeployed dev\\.spindle\\.swap 1\\.0\\.0 \\[\\d+\\] as dev\\.spindle\\.swap 2\\.0\\.0 \\[\\d+\\]; old version drained and replaced in \\d+ ms\\s*"));
        assertEquals("version=2.0.0", Http.get(port(), "/swap").body);

        String undeployed = run("spindle:undeploy dev.spindle.swap");
        assertTrue(undeployed, undeployed.matches("(?s)Undeployed dev\\.spindle\\.swap 2\\.0\\.0 \\[\\d+\\]; drained and removed in \\d+ ms\\s*"));
        assertTrue(java.util.Arrays.stream(context.getBundles()).noneMatch(b -> "dev.spindle.swap".equals(b.getSymbolicName())));
        assertTrue(run("spindle:handlers").indexOf("dev.spindle.swap") < 0);
    }

    /** A deploy of a jar whose bundle is installed replaces the old code, as a redeploy would, instead of keeping it. */
    @Test
    public void deployOfAnInstalledBundleUpdatesIt() throws Exception {
        java.nio.file.Path dir = java.nio.file.Paths.get(System.getProperty("spindle.work"), "shell-deploy-twice");
        java.nio.file.Path v1 = Jars.swapHandler(dir, "1.0.0");
        assertTrue(run("spindle:deploy " + v1).startsWith("Deployed dev.spindle.swap 1.0.0"));
        try {
            java.nio.file.Path v2 = Jars.swapHandler(dir.resolve("v2"), "2.0.0");
            String again = run("spindle:deploy " + v2);
            assertTrue(again, again.matches("(?s)Updated dev\\.spindle\\.swap 1\\.0\\.0 \\[\\d+\\] to 2\\.0\\.0 from .*"
                    + " \\(it was installed: the old version drained and replaced\\) in \\d+ ms\\s*"));
            assertEquals("version=2.0.0", Http.get(port(), "/swap").body);
            assertEquals(1, java.util.Arrays.stream(context.getBundles())
                    .filter(b -> "dev.spindle.swap".equals(b.getSymbolicName())).count());
        } finally {
            run("spindle:undeploy dev.spindle.swap");
        }
    }

    /** The container's own bundles are not handler bundles: undeploying the host would take every route. */
    @Test
    public void undeployAndRedeployRefuseBundlesThatAreNotHandlers() throws Exception {
        for (String bundle : new String[] {"dev.spindle.host", "dev.spindle.api", "0", "org.apache.felix.scr"}) {
            for (String command : new String[] {"spindle:undeploy ", "spindle:redeploy "}) {
                Exception refused = assertThrows(Exception.class, () -> run(command + bundle));
                assertTrue(refused.getMessage(), refused.getMessage().contains("is not a handler bundle"));
            }
        }
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if ("dev.spindle.host".equals(b.getSymbolicName()) || "dev.spindle.api".equals(b.getSymbolicName())) {
                assertEquals(b.getSymbolicName(), org.osgi.framework.Bundle.ACTIVE, b.getState());
            }
        }
        assertTrue(server.address() != null);
    }
}
