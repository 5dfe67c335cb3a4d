package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

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

    private static final long GRACE_MILLIS = 300;

    @Inject
    private BundleContext context;

    @Inject
    private HttpServer server;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort(), GRACE_MILLIS));
    }

    private int port() {
        return Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
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
    public void aRegisteredHandlerIsServedAndAnUnregisteredOneIsNotAfterTheGrace() throws Exception {
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
        long start = System.nanoTime();
        Http.Response waited = Http.get(port(), "/it/hello");
        assertEquals("a route that just lost its handler waits, then says so", 503, waited.status);
        assertTrue(waited.head.contains("\r\nRetry-After: 1\r\n"));
        assertTrue(System.nanoTime() - start >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS - 50));
        assertEquals("once the grace is over the route is simply gone", 404, Http.get(port(), "/it/hello").status);
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
