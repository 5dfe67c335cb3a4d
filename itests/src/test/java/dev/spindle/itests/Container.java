package dev.spindle.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A copy of the assembled container (distribution/target/spindle) run as its own process, the way
 * an operator runs it, on a free port: nothing of the test's JVM leaks into it.
 */
final class Container implements AutoCloseable {

    private static final String ADMIN_CFG = "config/dev.spindle.admin.cfg";
    private static final Pattern SYSTEM_BUNDLE_ACTIVE = Pattern.compile("(?m)^\\s*0\\|Active\\b");

    final Path home;
    final int port;
    /** The HTTPS port (the shipped configuration turns TLS on). */
    final int tlsPort;
    private final Path log;
    private Process process;
    private OutputStream console;

    private Container(Path home, int port, int tlsPort) {
        this.home = home;
        this.port = port;
        this.tlsPort = tlsPort;
        this.log = home.resolve("container.log");
    }

    /** A fresh copy named {@code name} under the build's work folder, listening on a free port. */
    static Container prepare(String name) throws IOException {
        Path source = Paths.get(System.getProperty("spindle.container"));
        Path home = Paths.get(System.getProperty("spindle.work")).resolve(name);
        copyFresh(source, home, p -> !p.toString().contains("felix-cache"));
        return configured(home);
    }

    /** {@code home} deleted, then made a copy of {@code source} with the files {@code include} accepts. */
    static void copyFresh(Path source, Path home, Predicate<Path> include) throws IOException {
        delete(home);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = home.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (include.test(p)) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * A home holding only the operator's configuration (a free port, TLS off), as before the first
     * start: the launcher makes the rest from the distribution.
     */
    static Container empty(String name) throws IOException {
        Path home = Paths.get(System.getProperty("spindle.work")).resolve(name);
        delete(home);
        Files.createDirectories(home.resolve("config"));
        int port = Http.freePort();
        Files.writeString(home.resolve("config/dev.spindle.host.cfg"),
                "port = " + port + "\ntlsPort = 0\nbindAddress = 127.0.0.1\n");
        Files.writeString(home.resolve("config/dev.spindle.console.cfg"), "port = " + Http.freePort() + "\n");
        Files.writeString(home.resolve(ADMIN_CFG), "port = " + Http.freePort() + "\n");
        return new Container(home, port, 0);
    }

    /** The distribution's archive unpacked under the build's work folder, listening on a free port. */
    static Container unpacked(String name) throws IOException, InterruptedException {
        Path dir = Paths.get(System.getProperty("spindle.work")).resolve(name);
        delete(dir);
        Files.createDirectories(dir);
        Process tar = new ProcessBuilder("tar", "xzf", System.getProperty("spindle.archive"), "-C", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            throw new IOException("tar failed: " + out);
        }
        try (Stream<Path> top = Files.list(dir)) {
            return configured(top.findFirst().orElseThrow());
        }
    }

    /** {@code home}'s configuration set to free ports on loopback, with its certificate made. */
    private static Container configured(Path home) throws IOException {
        int port = Http.freePort();
        int tlsPort = Http.freePort();
        Path cfg = home.resolve("config/dev.spindle.host.cfg");
        String text = Files.readString(cfg).replaceAll("(?m)^port\\s*=.*$", "port = " + port)
                .replaceAll("(?m)^tlsPort\\s*=.*$", "tlsPort = " + tlsPort)
                .replaceAll("(?m)^bindAddress\\s*=.*$", "bindAddress = 127.0.0.1");
        Files.writeString(cfg, text);
        Path console = home.resolve("config/dev.spindle.console.cfg");
        Files.writeString(console, "port = " + Http.freePort() + "\n");
        Path admin = home.resolve(ADMIN_CFG);
        Files.writeString(admin, Files.readString(admin).replaceAll("(?m)^port\\s*=.*$", "port = " + Http.freePort()));
        makeCertificate(home);
        return new Container(home, port, tlsPort);
    }

    /** The launcher's first-start step: a self-signed certificate for localhost in var/tls/. */
    private static void makeCertificate(Path home) throws IOException {
        Path launcher = Paths.get(System.getProperty("spindle.launcher"));
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "--make-certificate").redirectErrorStream(true);
        pb.environment().put("SPINDLE_HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("spindle --make-certificate failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The admin listener's port (health, metrics), a free one set before the start. */
    int adminPort() throws IOException {
        Matcher m = Pattern.compile("(?m)^port\\s*=\\s*(\\d+)").matcher(Files.readString(home.resolve(ADMIN_CFG)));
        if (!m.find()) {
            throw new IOException("no port in " + ADMIN_CFG);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Sets a key of {@code config/dev.spindle.host.cfg} before the start. */
    void configure(String key, String value) throws IOException {
        Path cfg = home.resolve("config/dev.spindle.host.cfg");
        Files.writeString(cfg, Files.readString(cfg) + key + " = " + value + "\n");
    }

    /** Drops a bundle into deploy/, as an operator would. */
    void deploy(Path jar) throws IOException {
        Files.copy(jar, home.resolve("deploy").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Starts {@code java -jar bin/felix.jar} in the container folder: with the Gogo console on a
     * pipe (interactive) or with {@code gosh.args=--nointeractive} (background), as ./spindle does.
     */
    void start(boolean interactive) throws IOException {
        start(interactive, true);
    }

    /**
     * Starts plain {@code java -jar bin/felix.jar} in the container folder, as Felix's own
     * documentation does, with no property: Felix's launcher finds {@code conf/config.properties}
     * beside {@code bin/} by itself; the console reads an input that has ended.
     */
    void startPlain() throws IOException {
        start(false, false);
    }

    private void start(boolean interactive, boolean asTheLauncher) throws IOException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
        if (asTheLauncher) {
            if (!interactive) {
                command.add("-Dgosh.args=--nointeractive");
            }
            command.add("-Dfelix.config.properties=file:conf/config.properties");
        }
        command.addAll(List.of("-jar", "bin/felix.jar"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        process = pb.start();
        console = process.getOutputStream();
        if (!interactive) {
            console.close(); // end of input must not stop a background container
            console = null;
        }
    }

    /**
     * Starts the container with {@code ./spindle --background}, as an operator or a service manager
     * does (the launcher's own checks included; no class data sharing archive).
     */
    void launch() throws IOException {
        process = launcher("--background").redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
    }

    /**
     * Starts the container with its own launcher, {@code bin/spindle --background}, as in an
     * unpacked archive or under a service manager (no SPINDLE_HOME: the launcher finds its home).
     */
    void launchOwn() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bin/spindle", "--background").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("SPINDLE_HOME");
        pb.environment().put("SPINDLE_CDS", "off");
        process = pb.start();
        process.getOutputStream().close();
    }

    /** {@code ./spindle args...} on this container's folder, output and errors together. */
    ProcessBuilder launcher(String... args) {
        List<String> command = new ArrayList<>(List.of("bash",
                Paths.get(System.getProperty("spindle.launcher")).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
        pb.environment().put("SPINDLE_HOME", home.toString());
        pb.environment().put("SPINDLE_CDS", "off");
        return pb;
    }

    /**
     * {@code ./spindle args...} on a pseudo-terminal of its own (80x24, pty-relay.py), as in an
     * operator's terminal: the process's input is what is typed (a carriage return ends a line,
     * {@code \u0003} is Ctrl-C), its output the raw bytes the terminal receives.
     */
    ProcessBuilder onTerminal(String... args) {
        Path relay;
        try {
            relay = Paths.get(Container.class.getResource("pty-relay.py").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        ProcessBuilder launcher = launcher(args);
        List<String> command = new ArrayList<>(List.of("python3", relay.toString()));
        command.addAll(launcher.command());
        return launcher.command(command);
    }

    /** What a launcher printed and how it exited. */
    record Run(int exit, String output) {
    }

    /** Runs {@code ./spindle args...} to its end (30 s at most, else it is killed and this throws). */
    Run run(String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(home, "launcher", ".out");
        try {
            Process p = launcher(args).redirectOutput(output.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("spindle " + String.join(" ", args) + " did not end in 30 s: "
                        + Files.readString(output));
            }
            return new Run(p.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * Waits, at most {@code timeout}, until the framework has started (the system bundle
     * {@code Active}, so every bundle of the start levels has been started) and the loopback
     * console answers. The host's listener serves {@code /hello} before that: it says nothing of
     * the console bundle, nor of the framework's start being over.
     */
    boolean awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(home.resolve("var/console.token"))) {
                Run lb = run("--command", "lb");
                if (lb.exit() == 0 && SYSTEM_BUNDLE_ACTIVE.matcher(lb.output()).find()) {
                    return true;
                }
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Runs {@code ./spindle --command line} against this container; returns what it printed. */
    String script(String line) throws IOException, InterruptedException {
        Run r = run("--command", line);
        if (r.exit() != 0) {
            throw new IOException("spindle --command failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    /** The container's process id (the launcher's: it execs the JVM). */
    long pid() {
        return process.pid();
    }

    /** SIGKILL: the container crashes, leaving whatever files it had. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Types a line on the Gogo console. */
    void command(String line) throws IOException {
        console.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        console.flush();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the container's output matches {@code pattern}; returns the match, or null on timeout. */
    Matcher awaitLog(Pattern pattern, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        do {
            Matcher m = pattern.matcher(log());
            if (m.find()) {
                return m;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline && alive());
        Matcher m = pattern.matcher(log());
        return m.find() ? m : null;
    }

    /** Sends SIGTERM, as a service manager stopping the container does. */
    void terminate() {
        process.destroy();
    }

    boolean awaitExit(Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The exit status of the container process, once it has exited. */
    int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM: Felix's shutdown hook stops the framework
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
