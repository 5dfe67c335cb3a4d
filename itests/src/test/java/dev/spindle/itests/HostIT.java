package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

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
import org.osgi.framework.ServiceRegistration;

import dev.spindle.api.Handler;
import dev.spindle.api.HttpServer;

/**
 * The real API and host bundles in Felix, with SCR and ConfigAdmin: handlers registered as services
 * are served over a real socket on a port set through ConfigAdmin.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostIT {

    /** The port, chosen when the framework is configured and passed to the probe as a property. */
    private static final String PORT_PROPERTY = "spindle.it.port";

    @Inject
    private BundleContext context;

    @Inject
    private HttpServer server;

    @Configuration
    public Option[] config() {
        String port = String.valueOf(Http.freePort());
        return options(
                systemProperty(PORT_PROPERTY).value(port),
                systemProperty("pax.exam.osgi.unresolved.fail").value("true"),
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                mavenBundle("org.ops4j.pax.logging", "pax-logging-api").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                mavenBundle("io.netty", "netty-common").versionAsInProject(),
                mavenBundle("io.netty", "netty-buffer").versionAsInProject(),
                mavenBundle("io.netty", "netty-resolver").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-base").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-compression").versionAsInProject(),
                mavenBundle("io.netty", "netty-codec-http").versionAsInProject(),
                mavenBundle("io.netty", "netty-handler").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport-native-unix-common").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport-classes-epoll").versionAsInProject(),
                mavenBundle("io.netty", "netty-transport-native-epoll").classifier("linux-x86_64").versionAsInProject().noStart(),
                newConfiguration("dev.spindle.host")
                        .put("port", port)
                        .put("bindAddress", "127.0.0.1")
                        .asOption(),
                bundle("file:" + System.getProperty("spindle.api.jar")),
                bundle("file:" + System.getProperty("spindle.host.jar")),
                junitBundles());
    }

    private int port() {
        return Integer.parseInt(context.getProperty(PORT_PROPERTY));
    }

    private ServiceRegistration<Handler> register(Handler handler, String route) {
        Dictionary<String, Object> props = new Hashtable<>();
        if (route != null) {
            props.put(Handler.ROUTE, route);
        }
        return context.registerService(Handler.class, handler, props);
    }

    @Test
    public void theServerListensOnTheConfiguredPortWithEpoll() {
        assertEquals(port(), server.address().getPort());
        assertEquals("epoll", server.transport());
    }

    @Test
    public void aRegisteredHandlerIsServedAndAnUnregisteredOneIsNot() throws Exception {
        ServiceRegistration<Handler> reg = register((req, res) -> {
            res.setHeader("Content-Type", "text/plain");
            res.end("hello from " + req.url());
        }, "/it/hello");
        try {
            Http.Response r = Http.get(port(), "/it/hello?x=1");
            assertEquals(200, r.status);
            assertEquals("hello from /it/hello?x=1", r.body);
        } finally {
            reg.unregister();
        }
        assertEquals(404, Http.get(port(), "/it/hello").status);
    }

    @Test
    public void theHttpServerServiceShowsValidAndFailedRegistrations() {
        ServiceRegistration<Handler> good = register((req, res) -> res.end(), "/it/good");
        ServiceRegistration<Handler> bad = register((req, res) -> res.end(), null);
        try {
            List<HttpServer.HandlerRegistration> all = server.handlers();
            long goodId = (Long) good.getReference().getProperty("service.id");
            long badId = (Long) bad.getReference().getProperty("service.id");
            HttpServer.HandlerRegistration g = all.stream().filter(r -> r.serviceId() == goodId).findFirst().orElseThrow();
            HttpServer.HandlerRegistration b = all.stream().filter(r -> r.serviceId() == badId).findFirst().orElseThrow();
            assertEquals("ACTIVE", g.state());
            assertEquals("/it/good", g.route());
            assertEquals("FAILED", b.state());
            assertEquals("spindle.route is missing", b.reason());
        } finally {
            good.unregister();
            bad.unregister();
        }
    }

    @Test
    public void everyBundleIsActive() {
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get("Fragment-Host") != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            assertEquals(b.getSymbolicName(), expected, b.getState());
        }
        assertTrue(context.getBundles().length > 15);
    }
}
