package dev.spindle.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A copy of Apache Karaf (unpacked by the build from Maven Central's distribution) run as its own
 * process, the way an operator runs {@code bin/karaf server}, on free ports: its SSH console, its
 * JMX/RMI ports and Spindle's listener (etc/dev.spindle.host.cfg). It reads Maven artifacts from the
 * folders the build staged (spindle-features' target/repository and the bundles of Karaf's scr
 * feature) and from its own system/ folder only: no remote repository, not the build's ~/.m2.
 */
final class Karaf implements AutoCloseable {

    private static final String USER = "karaf";

    final Path home;
    final int sshPort;
    /** Spindle's HTTP port, as etc/dev.spindle.host.cfg sets it before the start. */
    final int port;
    private final Path out;
    private Process process;

    private Karaf(Path home, int sshPort, int port) {
        this.home = home;
        this.sshPort = sshPort;
        this.port = port;
        this.out = home.resolve("karaf.out");
    }

    /** A fresh copy named {@code name} under the build's work folder, configured as described above. */
    static Karaf prepare(String name) throws IOException {
        Path source = Paths.get(System.getProperty("spindle.karaf"));
        Path home = Paths.get(System.getProperty("spindle.work")).resolve(name);
        Container.copyFresh(source, home, p -> true);
        Karaf k = new Karaf(home, Http.freePort(), Http.freePort());
        k.edit("etc/org.apache.karaf.shell.cfg", "(?m)^sshPort\\s*=.*$", "sshPort = " + k.sshPort);
        k.edit("etc/org.apache.karaf.shell.cfg", "(?m)^sshHost\\s*=.*$", "sshHost = 127.0.0.1");
        k.edit("etc/org.apache.karaf.management.cfg", "(?m)^rmiRegistryPort\\s*=.*$", "rmiRegistryPort = " + Http.freePort());
        k.edit("etc/org.apache.karaf.management.cfg", "(?m)^rmiServerPort\\s*=.*$", "rmiServerPort = " + Http.freePort());
        // the commented-out karaf/karaf user of the distribution, for bin/client
        k.edit("etc/users.properties", "(?m)^#karaf = ", "karaf = ");
        k.edit("etc/users.properties", "(?m)^#_g_\\\\:admingroup", "_g_\\\\:admingroup");
        // later keys win: Karaf's system/ folder and the staged folders only, no remote repository
        List<String> repositories = new ArrayList<>(List.of("${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots"));
        String[] staged = System.getProperty("spindle.karaf.repositories").split(",");
        for (int i = 0; i < staged.length; i++) {
            repositories.add(Paths.get(staged[i]).toUri() + "@id=staged" + i + "@snapshots");
        }
        Files.writeString(home.resolve("etc/org.ops4j.pax.url.mvn.cfg"), "\norg.ops4j.pax.url.mvn.defaultRepositories = "
                + String.join(", ", repositories) + "\norg.ops4j.pax.url.mvn.repositories =\n"
                + "org.ops4j.pax.url.mvn.localRepository = ${karaf.data}/repository\n", StandardOpenOption.APPEND);
        Files.writeString(home.resolve("etc/dev.spindle.host.cfg"), "port = " + k.port + "\nbindAddress = 127.0.0.1\n");
        return k;
    }

    /** Replaces what {@code regex} matches in {@code file} (relative to the home); fails if nothing matches. */
    void edit(String file, String regex, String replacement) throws IOException {
        Path p = home.resolve(file);
        String text = Files.readString(p);
        String changed = text.replaceAll(regex, replacement);
        if (changed.equals(text)) {
            throw new IOException("nothing matches " + regex + " in " + file);
        }
        Files.writeString(p, changed);
    }

    /** {@code bin/karaf server}: no local console; the bash script execs the JVM, so this process is Karaf's. */
    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bin/karaf", "server").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("KARAF_EXEC", "exec");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = pb.start();
        process.getOutputStream().close();
    }

    /** What a console command printed and how {@code bin/client} exited. */
    record Run(int exit, String output) {
    }

    /**
     * Runs {@code line} in Karaf's console through {@code bin/client} (SSH, retried until the console
     * answers; 120 s at most). Its input stays open until it ends: Karaf ends the session, output
     * unsent, once the client's input is at its end. Karaf prints what a command writes, not the
     * value it returns: wrap such a command as {@code echo (command)}.
     */
    Run console(String line) throws IOException, InterruptedException {
        Path output = Files.createTempFile(home, "client", ".out");
        try {
            List<String> command = new ArrayList<>(List.of("bin/client", "-a", String.valueOf(sshPort), "-h", "127.0.0.1",
                    "-u", USER, "-p", USER, "-r", "60", "-d", "1", line));
            ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process p = pb.start();
            try (OutputStream input = p.getOutputStream()) {
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IOException("bin/client '" + line + "' did not end in 120 s: " + Files.readString(output));
                }
            }
            return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** {@link #console} that must succeed: exit status 0 and no error printed. */
    String execute(String line) throws IOException, InterruptedException {
        Run r = console(line);
        if (r.exit() != 0 || r.output().contains("Error executing command") || r.output().contains("Command not found")) {
            throw new IOException("'" + line + "' failed (" + r.exit() + "): " + r.output() + "\n" + log());
        }
        return r.output();
    }

    /** Karaf's own log, data/log/karaf.log, for failure messages. */
    String log() {
        try {
            Path log = home.resolve("data/log/karaf.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "(no data/log/karaf.log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM (Karaf's shutdown hook stops the framework); true if Karaf exited within {@code limit}. */
    boolean stop(Duration limit) throws InterruptedException {
        process.destroy();
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops Karaf; kills its process (by its PID, with whatever it started) if it outlives 60 s. */
    @Override
    public void close() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (!stop(Duration.ofSeconds(60))) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
