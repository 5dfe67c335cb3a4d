package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
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

import dev.spindle.api.HttpServer;

/**
 * Nothing in the host keeps a replaced handler alive: after 50 install, serve, update, serve,
 * uninstall cycles, every old class loader of the handler bundle can be collected. Each version
 * also serves a chunked POST, whose exchange has a request timer armed while its body arrives.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HandlerLeakIT {

    @Inject
    private BundleContext context;

    @Inject
    private HttpServer server;

    @Configuration
    public Option[] config() {
        return options(Provisioning.spindle(Http.freePort()));
    }

    private ClassLoader loaderOf(Bundle b) throws ClassNotFoundException {
        return b.loadClass("dev.spindle.swap.SwapHandler").getClassLoader();
    }

    @Test
    public void oldHandlerClassLoadersBecomeUnreachable() throws Exception {
        int port = Integer.parseInt(context.getProperty(Provisioning.PORT_PROPERTY));
        Path dir = Paths.get(System.getProperty("spindle.work"), "leak");
        Path v1 = Jars.swapHandler(dir, "1.0.0");
        Path v2 = Jars.swapHandler(dir, "2.0.0");
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Bundle b;
            try (InputStream in = Jars.open(v1)) {
                b = context.installBundle("leak-" + i, in);
            }
            b.start();
            loaders.add(new WeakReference<>(loaderOf(b)));
            assertEquals("version=1.0.0", Http.get(port, "/swap").body);
            assertEquals(200, Http.get(port, "/swap/stream?n=1").status);
            assertEquals("version=1.0.0", Http.postChunked(port, "/swap", "hello", " world").body);
            try (InputStream in = Jars.open(v2)) {
                b.update(in);
            }
            loaders.add(new WeakReference<>(loaderOf(b)));
            assertEquals("version=2.0.0", Http.get(port, "/swap").body);
            assertEquals("version=2.0.0", Http.postChunked(port, "/swap", "hello", " world").body);
            b.uninstall();
            Frameworks.refresh(context, b);
        }
        assertEquals(0, server.handlers().size());
        long alive = loaders.size();
        for (int attempt = 0; attempt < 50 && alive > 0; attempt++) {
            System.gc();
            Thread.sleep(100);
            alive = loaders.stream().filter(r -> r.get() != null).count();
        }
        assertEquals("class loaders of removed handler bundles still reachable", 0, alive);
    }
}
