package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

/**
 * What a handler author's IDE gets beside spindle-api: its sources and its Javadoc (the
 * {@code ServerResponse} state machine), built with the API and installed with it (ArchetypeIT's
 * staged repository holds them as {@code mvn install} puts them in the local repository).
 */
class ApiJarsIT {

    private final String version = System.getProperty("spindle.version");

    private static String entry(Path jar, String name) throws Exception {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry e = file.getEntry(name);
            assertNotNull(e, name + " in " + jar);
            return new String(file.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Path built(String classifier) {
        return Paths.get(System.getProperty("spindle.api.dir"), "spindle-api-" + version + "-" + classifier + ".jar");
    }

    private Path installed(String classifier) {
        return Paths.get(System.getProperty("spindle.archetype.work"), "repo/dev/spindle/spindle-api", version,
                "spindle-api-" + version + "-" + classifier + ".jar");
    }

    @Test
    void theApiIsInstalledWithItsSourcesAndJavadoc() throws Exception {
        for (Path jar : new Path[] {built("sources"), installed("sources")}) {
            assertTrue(entry(jar, "dev/spindle/api/ServerResponse.java").contains("public interface ServerResponse"));
        }
        for (Path jar : new Path[] {built("javadoc"), installed("javadoc")}) {
            String page = entry(jar, "dev/spindle/api/IncomingMessage.html");
            assertTrue(page.contains("remainingPath") && page.contains("percentDecode"), "the Javadoc of IncomingMessage");
        }
    }
}
