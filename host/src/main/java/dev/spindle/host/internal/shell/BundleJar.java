package dev.spindle.host.internal.shell;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Constants;

/**
 * A jar the deployment commands were given, read whole and checked before the framework sees it:
 * a missing file, a file that is not a jar and a jar that is not a bundle each get one sentence
 * naming what was asked for, instead of the framework's {@code Unable to cache bundle}.
 */
public record BundleJar(String uri, byte[] bytes, String symbolicName, String version) {

    public static BundleJar read(String location) {
        boolean url = location.contains(":") && !location.startsWith("/");
        if (!url && Files.isDirectory(Paths.get(location))) {
            throw refused(location, "it is a folder, not a jar file");
        }
        byte[] bytes;
        String uri;
        try {
            if (url) {
                uri = location;
                try (InputStream in = URI.create(location).toURL().openStream()) {
                    bytes = in.readAllBytes();
                }
            } else {
                Path p = Paths.get(location).toAbsolutePath().normalize();
                uri = p.toUri().toString();
                bytes = Files.readAllBytes(p);
            }
        } catch (NoSuchFileException e) {
            throw refused(location, "no such file (" + Paths.get(location).toAbsolutePath().normalize() + ")");
        } catch (AccessDeniedException e) {
            throw refused(location, "the container's user may not read it");
        } catch (IOException | IllegalArgumentException e) {
            throw refused(location, (url ? "cannot read that URL: " : "cannot read it: ") + e);
        }
        Manifest manifest;
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(bytes))) {
            manifest = jar.getManifest();
        } catch (IOException e) {
            manifest = null;
        }
        if (manifest == null) {
            throw refused(location, "not a jar file (no META-INF/MANIFEST.MF in a zip)");
        }
        String name = manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (name == null || name.isBlank()) {
            throw refused(location, "not an OSGi bundle (its manifest has no Bundle-SymbolicName)");
        }
        String version = manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
        return new BundleJar(uri, bytes, name.split(";")[0].trim(), version == null ? "0.0.0" : version.trim());
    }

    private static IllegalArgumentException refused(String location, String why) {
        return new IllegalArgumentException("Cannot deploy " + location + ": " + why);
    }
}
