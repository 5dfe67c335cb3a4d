package dev.spindle.host.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * The admin listener as an extender: the files a bundle mounts with {@value AdminResources#HEADER}
 * served by the {@link AdminHandler} (a bundle stands in, its entries in a folder), and the
 * listener's own endpoints out of any bundle's reach.
 */
class AdminResourcesTest {

    @TempDir
    Path entries;

    /** A bundle with {@code header} whose entries are the files under {@link #entries}. */
    private Bundle bundle(long id, String header) {
        return (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getHeaders" -> {
                        Hashtable<String, String> h = new Hashtable<>();
                        h.put(AdminResources.HEADER, header);
                        yield h;
                    }
                    case "getSymbolicName" -> "com.example.pages";
                    case "getBundleId" -> id;
                    case "getEntry" -> entry((String) args[0]);
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    private java.net.URL entry(String name) throws MalformedURLException {
        Path p = entries.resolve(name.substring(1));
        return Files.exists(p) ? p.toUri().toURL() : null;
    }

    private static AdminResources resources() {
        BundleContext none = (BundleContext) Proxy.newProxyInstance(AdminResourcesTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> null);
        return new AdminResources(none);
    }

    private static FullHttpResponse get(EmbeddedChannel ch, String path) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path));
        return ch.readOutbound();
    }

    @Test
    void aMountedBundleIsServedAndTheRootLeadsToIt() throws Exception {
        Files.createDirectories(entries.resolve("web"));
        Files.writeString(entries.resolve("web/index.html"), "<!DOCTYPE html><title>pages</title>");
        Files.writeString(entries.resolve("web/app.js"), "'use strict';");
        Files.writeString(entries.resolve("secret.txt"), "outside the mount");
        AdminResources resources = resources();
        resources.addingBundle(bundle(5, "/dashboard -> /web"), null);
        EmbeddedChannel ch = new EmbeddedChannel(new AdminHandler(null, null, null, resources));

        FullHttpResponse root = get(ch, "/");
        assertEquals(302, root.status().code());
        assertEquals("/dashboard/", root.headers().get("location"));
        FullHttpResponse bare = get(ch, "/dashboard");
        assertEquals("/dashboard/", bare.headers().get("location"));
        FullHttpResponse index = get(ch, "/dashboard/");
        assertEquals(200, index.status().code());
        assertEquals("text/html; charset=utf-8", index.headers().get("content-type"));
        assertEquals("<!DOCTYPE html><title>pages</title>", index.content().toString(StandardCharsets.UTF_8));
        FullHttpResponse script = get(ch, "/dashboard/app.js?v=1");
        assertEquals("text/javascript; charset=utf-8", script.headers().get("content-type"));
        assertEquals(404, get(ch, "/dashboard/../secret.txt").status().code());
        assertEquals(404, get(ch, "/dashboard/missing.css").status().code());
        for (FullHttpResponse r : List.of(root, bare, index, script)) {
            ReferenceCountUtil.release(r);
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aBundleCannotMountTheListenersOwnPaths() {
        List<AdminResources.Mount> mounts = AdminResources.parse(
                "/metrics -> /web, /health/x -> /web, /events -> /web, / -> /web, nonsense, /pages -> /web", bundle(5, ""));
        assertEquals(1, mounts.size(), mounts.toString());
        assertEquals("/pages", mounts.get(0).path());
    }

    @Test
    void theLowerBundleIdServesAPathTwoBundlesMountAndTheOtherTakesOverWhenItGoes() throws Exception {
        AdminResources resources = resources();
        Files.createDirectories(entries.resolve("a"));
        Files.createDirectories(entries.resolve("b"));
        Files.writeString(entries.resolve("a/index.html"), "a");
        Files.writeString(entries.resolve("b/index.html"), "b");
        Bundle later = bundle(9, "/pages -> /b");
        List<AdminResources.Mount> laterMounts = resources.addingBundle(later, null);
        Bundle earlier = bundle(4, "/pages -> /a");
        List<AdminResources.Mount> earlierMounts = resources.addingBundle(earlier, null);
        assertTrue(((AdminResources.Found) resources.find("/pages/")).entry().getPath().endsWith("/a/index.html"));
        resources.removedBundle(earlier, null, earlierMounts);
        assertTrue(((AdminResources.Found) resources.find("/pages/")).entry().getPath().endsWith("/b/index.html"));
        resources.removedBundle(later, null, laterMounts);
        assertEquals(List.of(), resources.paths());
    }

    /** A mount inside another's path serves its own: the longest mounted path that a request is under wins. */
    @Test
    void aMountInsideAnothersPathServesItsOwnFiles() throws Exception {
        AdminResources resources = resources();
        Files.createDirectories(entries.resolve("outer"));
        Files.createDirectories(entries.resolve("inner"));
        Files.writeString(entries.resolve("outer/index.html"), "outer");
        Files.writeString(entries.resolve("inner/index.html"), "inner");
        resources.addingBundle(bundle(4, "/docs -> /outer"), null);
        resources.addingBundle(bundle(5, "/docs/api -> /inner"), null);
        assertTrue(((AdminResources.Found) resources.find("/docs/api/")).entry().getPath().endsWith("/inner/index.html"));
        assertTrue(((AdminResources.Found) resources.find("/docs/")).entry().getPath().endsWith("/outer/index.html"));
        assertEquals(new AdminResources.Redirect("/docs/api/"), resources.find("/docs/api"));
    }
}
