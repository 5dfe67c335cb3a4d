package dev.spindle.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Versions of the test-only swap handler bundle, made by rewriting its {@code Bundle-Version}. */
final class Jars {

    private Jars() {
    }

    /** The swap handler jar as version {@code version}, written under {@code dir}. */
    static Path swapHandler(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        return swapHandler(dir.resolve("swap-" + version + ".jar"),
                main -> main.put(new Attributes.Name("Bundle-Version"), version));
    }

    /** The swap handler jar with its main manifest attributes changed by {@code change}, written to {@code target}. */
    static Path swapHandler(Path target, Consumer<Attributes> change) throws IOException {
        Path source = Paths.get(System.getProperty("spindle.swap.jar"));
        try (JarInputStream in = new JarInputStream(Files.newInputStream(source))) {
            Manifest manifest = new Manifest(in.getManifest());
            change.accept(manifest.getMainAttributes());
            try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file, manifest)) {
                JarEntry e;
                while ((e = in.getNextJarEntry()) != null) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    /** Puts {@code jar} into {@code dir} as {@code name} the safe way: copy aside, then rename. */
    static void drop(Path jar, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path part = dir.resolve("." + name + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static InputStream open(Path jar) throws IOException {
        return Files.newInputStream(jar);
    }
}
