package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * A handler author's first steps, as the README gives them: a project generated from
 * spindle-handler-archetype, built offline ({@code mvn -o package}, its unit test on the test kit
 * included) against the reactor's artifacts, its bundle dropped into a running container's
 * {@code deploy/} and answering over HTTP.
 *
 * <p>The reactor's artifacts are staged by the pom (maven-install-plugin, pre-integration-test)
 * in a local repository of the test's own, since {@code mvn verify} installs nothing; everything
 * else is read from the build's local repository through a {@code file:} mirror, so the
 * generated build touches no network and no other build's local repository.
 */
class ArchetypeIT {

    private static final Duration MAVEN_LIMIT = Duration.ofMinutes(3);
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path work = Paths.get(System.getProperty("spindle.archetype.work"));
    private final String version = System.getProperty("spindle.version");

    @Test
    void aGeneratedProjectBuildsOfflineIntoABundleThatAnswersInTheContainer() throws Exception {
        Path projects = work.resolve("projects");
        deleteTree(projects);
        Files.createDirectories(projects);
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, "<settings><mirrors><mirror><id>build-local-repository</id><mirrorOf>*</mirrorOf>"
                + "<url>" + Paths.get(System.getProperty("spindle.maven.localRepository")).toUri() + "</url>"
                + "</mirror></mirrors></settings>\n");

        maven(projects, settings, "org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate",
                "-DarchetypeGroupId=dev.spindle", "-DarchetypeArtifactId=spindle-handler-archetype",
                "-DarchetypeVersion=" + version, "-DarchetypeCatalog=local",
                "-DgroupId=com.example", "-DartifactId=greeter", "-Dpackage=com.example.greeter");
        Path project = projects.resolve("greeter");
        String pom = Files.readString(project.resolve("pom.xml"));
        assertTrue(!pom.contains("<parent>") && pom.contains("<spindle.version>" + version + "</spindle.version>"), pom);
        assertTrue(Files.exists(project.resolve("bnd.bnd")));

        String build = maven(project, settings, "package");
        assertTrue(build.contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0"), "the generated test ran\n" + build);
        Path jar = project.resolve("target/greeter-1.0.0-SNAPSHOT.jar");
        try (JarFile bundle = new JarFile(jar.toFile())) {
            assertEquals("com.example.greeter", bundle.getManifest().getMainAttributes().getValue("Bundle-SymbolicName"));
            assertTrue(bundle.getManifest().getMainAttributes().getValue("Service-Component").contains("GreetHandler"),
                    "a DS component: " + bundle.getManifest().getMainAttributes());
        }

        try (Container c = Container.prepare("archetype")) {
            c.start(false);
            assertTrue(c.awaitStarted(STARTUP), "started\n" + c.log());
            c.deploy(jar);
            assertTrue(Http.awaitOk(c.port, "/greet", Duration.ofSeconds(30)), "deployed\n" + c.log());
            HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + c.port + "/greet/Zo%C3%AB"))
                    .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
            assertEquals(200, res.statusCode());
            assertEquals("hello, Zoë", res.body());
        }
    }

    /** Runs {@code mvn -B -o} with the test's settings and local repository; returns its output. */
    private String maven(Path dir, Path settings, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("spindle.maven.home"), "bin", "mvn").toString(),
                "-B", "-o", "-s", settings.toString(),
                "-Dmaven.repo.local=" + work.resolve("repo"),
                // offline, yet reading the mirror on the local disk
                "-Daether.offline.protocols=file"));
        command.addAll(List.of(args));
        Path output = work.resolve("mvn-" + dir.getFileName() + ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(MAVEN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("mvn " + String.join(" ", args) + " did not end in " + MAVEN_LIMIT + ":\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "mvn " + String.join(" ", args) + " failed:\n" + out);
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
