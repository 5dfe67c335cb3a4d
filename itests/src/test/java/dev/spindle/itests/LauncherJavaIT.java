package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.Before;
import org.junit.Test;

/**
 * Which JVM the distribution's launcher, {@code bin/spindle}, starts the container on (BENCHMARKS.md,
 * "OpenJDK 17 against Temurin 25"): a JDK 17 when one is installed beside a newer one, unless the
 * operator names one; on a JDK 24 or newer with {@code --sun-misc-unsafe-memory-access=allow}, which
 * JDK 17 would refuse. The JDKs here are fakes (a release file and a {@code bin/java} that writes
 * the command line it was given), so the launcher's choice is seen without starting a JVM.
 */
public class LauncherJavaIT {

    private static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";

    private Path dir;
    private Path jdks;
    private Path jdk17;
    private Path jdk25;

    @Before
    public void fakeJdks() throws IOException {
        dir = Paths.get(System.getProperty("spindle.work")).resolve("launcher-java");
        Container.copyFresh(Paths.get(System.getProperty("spindle.container"), "bin"), dir.resolve("home/bin"),
                p -> p.getFileName().toString().equals("spindle"));
        dir.resolve("home/bin/spindle").toFile().setExecutable(true);
        Files.writeString(dir.resolve("home/bin/felix.jar"), "");
        Files.createDirectories(dir.resolve("home/config"));
        Files.writeString(dir.resolve("home/config/dev.spindle.host.cfg"), "tlsPort = 0\n");
        jdks = dir.resolve("jdks");
        try (java.util.stream.Stream<Path> old = Files.exists(jdks) ? Files.walk(jdks) : java.util.stream.Stream.empty()) {
            // an earlier run's fake JDKs would be chosen too
            old.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        // the 17 sorts last of the three: a launcher taking the first JDK it lists would not pick it
        jdk17 = fakeJdk("zulu-17-jdk-amd64", "17.0.9");
        jdk25 = fakeJdk("temurin-25-jdk-amd64", "25.0.1");
        fakeJdk("java-21-openjdk-amd64", "21.0.2");
    }

    @Test
    public void withSeveralJdksInstalledTheContainerRunsOnJdk17WithoutTheUnsafeOption() throws Exception {
        List<String> line = launch(Map.of("PATH", onPath(jdk25)));
        assertEquals(line.toString(), jdk17.resolve("bin/java").toString(), line.get(0));
        assertFalse("JDK 17 refuses it: " + line, line.contains(UNSAFE));
        assertTrue(line.toString(), line.containsAll(List.of("-jar", "bin/felix.jar")));
    }

    @Test
    public void javaHomeOrSpindleJavaWinsAndAJdk25GetsTheUnsafeOption() throws Exception {
        List<String> home = launch(Map.of("PATH", onPath(jdk17), "JAVA_HOME", jdk25.toString()));
        assertEquals(home.toString(), jdk25.resolve("bin/java").toString(), home.get(0));
        assertTrue(home.toString(), home.contains(UNSAFE));

        List<String> named = launch(Map.of("JAVA_HOME", jdk17.toString(),
                "SPINDLE_JAVA", jdk25.resolve("bin/java").toString()));
        assertEquals(named.toString(), jdk25.resolve("bin/java").toString(), named.get(0));
        assertEquals(named.toString(), 1, named.stream().filter(UNSAFE::equals).count());

        List<String> ownOption = launch(Map.of("SPINDLE_JAVA", jdk25.resolve("bin/java").toString(),
                "JAVA_OPTS", "-Xmx64m --sun-misc-unsafe-memory-access=warn"));
        assertFalse("the operator's own value stays alone: " + ownOption, ownOption.contains(UNSAFE));
        assertTrue(ownOption.toString(), ownOption.contains("--sun-misc-unsafe-memory-access=warn"));
    }

    @Test
    public void withoutAJdk17TheJavaOnThePathRunsWithTheUnsafeOption() throws Exception {
        Path none = Files.createDirectories(dir.resolve("no-jdks"));
        List<String> line = launch(Map.of("PATH", onPath(jdk25), "SPINDLE_JDKS", none.toString()));
        assertEquals(line.toString(), dir.resolve("path/java").toString(), line.get(0));
        assertTrue(line.toString(), line.contains(UNSAFE));
    }

    /** A JDK named {@code name} under {@code jdks}: its release file and a java that records its command line. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path jdk = jdks.resolve(name);
        Files.createDirectories(jdk.resolve("bin"));
        Files.createDirectories(jdk.resolve("lib/server"));
        Files.writeString(jdk.resolve("lib/server/libjvm.so"), "");
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > \"$RECORD\"\n");
        java.toFile().setExecutable(true);
        return jdk;
    }

    /** A PATH whose java is {@code jdk}'s (through a link, as /usr/bin/java is), then the system's. */
    private String onPath(Path jdk) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("path"));
        Files.deleteIfExists(bin.resolve("java"));
        Files.createSymbolicLink(bin.resolve("java"), jdk.resolve("bin/java"));
        return bin + File.pathSeparator + "/usr/local/bin:/usr/bin:/bin";
    }

    /** {@code bin/spindle --background} with {@code env} and no JVM setting of this build's: the command line it ran. */
    private List<String> launch(Map<String, String> env) throws Exception {
        Path record = dir.resolve("record");
        Files.deleteIfExists(record);
        ProcessBuilder pb = new ProcessBuilder("bash", "bin/spindle", "--background")
                .directory(dir.resolve("home").toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.keySet().removeAll(List.of("JAVA", "JAVA_HOME", "SPINDLE_JAVA", "JAVA_OPTS", "SPINDLE_HOME"));
        e.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        e.put("SPINDLE_JDKS", jdks.toString());
        e.put("RECORD", record.toString());
        e.putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("the launcher did not end within 30 s: " + out, p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        assertTrue("no JVM started: " + out, Files.exists(record));
        return Files.readAllLines(record);
    }
}
