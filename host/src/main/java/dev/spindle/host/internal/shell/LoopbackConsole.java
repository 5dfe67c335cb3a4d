package dev.spindle.host.internal.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beside the server: runs one Gogo command per connection for scripts
 * ({@code ./spindle --command "spindle:stats"}). Listens on the loopback interface only, and
 * serves only clients that know the token it writes at start to a file only the container's user
 * can read (a new random one each start, deleted on stop): another local user cannot run
 * commands. The client sends the token line, then the command line; it gets what the command
 * prints as it prints it (so {@code log:tail} follows), its errors as lines of their own, and a
 * last line with the outcome ({@link ConsoleWire}), and the connection closes. A client that
 * closes its side of the connection (Ctrl-C in the launcher) interrupts the command, as Ctrl-C at
 * the prompt does. Each connection runs on a thread of its own: a command that follows the log
 * does not hold the others. A connection without the right token gets one error line saying so,
 * is closed, and is logged.
 */
@Component(configurationPid = "dev.spindle.console", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConsoleConfiguration.class)
public final class LoopbackConsole {

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackConsole.class);
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    @Reference
    private CommandProcessor processor;

    private ServerSocket server;
    private Thread acceptor;
    private Path tokenFile;
    private byte[] token;

    @Activate
    void activate(ConsoleConfiguration cfg) throws IOException {
        if (cfg.port() == 0) {
            return;
        }
        if (cfg.port() < 0 || cfg.port() > 65535) {
            throw new IllegalArgumentException("dev.spindle.console: invalid port: " + cfg.port());
        }
        if (cfg.tokenFile().isBlank()) {
            throw new IllegalArgumentException("dev.spindle.console: invalid tokenFile: '" + cfg.tokenFile() + "'");
        }
        tokenFile = Paths.get(cfg.tokenFile()).toAbsolutePath();
        token = writeToken(tokenFile);
        server = new ServerSocket();
        try {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), cfg.port()), 8);
        } catch (IOException e) {
            server.close();
            Files.deleteIfExists(tokenFile);
            throw e;
        }
        acceptor = new Thread(this::accept, "spindle-console");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("Loopback console on 127.0.0.1:{}, token in {}", server.getLocalPort(), tokenFile);
    }

    @Deactivate
    void deactivate() throws InterruptedException, IOException {
        if (server != null) {
            // connections being served go on: one of them may run the command that stops the host (an
            // update of its bundle), and its client waits for the answer
            server.close();
            acceptor.join(5000);
            Files.deleteIfExists(tokenFile);
        }
    }

    /**
     * A new random token in {@code file}, readable and writable by the owner only: written to a
     * new file created with those permissions, then moved over the old one, so that no reader
     * ever sees a partial token or a file with wider permissions.
     */
    private static byte[] writeToken(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String text = HexFormat.of().formatHex(random);
        Files.createDirectories(file.getParent());
        Path fresh = Files.createTempFile(file.getParent(), ".console", ".token",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(fresh, text + "\n");
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(fresh);
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> connection(s), "spindle-console-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                LOG.warn("Console accept failed", e);
            }
        }
    }

    private void connection(Socket socket) {
        try (Socket s = socket) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            serve(s);
        } catch (SocketException lost) {
            LOG.debug("Console connection lost", lost);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Console connection failed", e);
        }
    }

    private void serve(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ConsoleWire wire = new ConsoleWire(s.getOutputStream());
        String offered = readLine(in);
        if (offered == null || !MessageDigest.isEqual(token, offered.trim().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("Console connection from {} refused: {} token", s.getRemoteSocketAddress(),
                    offered == null || offered.isBlank() ? "no" : "wrong");
            wire.err().println("spindle console: refused: the first line must be the token from " + tokenFile);
            wire.err().flush();
            return;
        }
        String line = readLine(in);
        if (line == null || line.isBlank()) {
            wire.err().println("spindle console: no command");
            wire.finish(false);
            return;
        }
        s.setSoTimeout(0); // a command may run as long as it likes (log:tail); the client's end is what ends it
        wire.finish(execute(line, in, wire));
    }

    /**
     * A line of {@code in}, read byte by byte so that nothing after it is consumed (the end of the
     * input is what tells that the client went away); null at the end of the input.
     */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n';) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8).replaceFirst("\r$", "");
    }

    /**
     * Runs {@code line}, its output and result to the wire's output, its errors to its error
     * stream; whether it succeeded. Meanwhile a watcher reads {@code in}: its end (the client
     * closed the connection) interrupts the command.
     */
    private boolean execute(String line, InputStream in, ConsoleWire wire) {
        CommandSession session = processor.createSession(InputStream.nullInputStream(), wire.out(), wire.err());
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // the client sends nothing more; what it sends is ignored
                }
            } catch (IOException closed) {
                // the connection is gone as well
            }
            Job job = done.get() ? null : session.foregroundJob();
            if (job != null) {
                LOG.info("Console client closed the connection while '{}' ran: interrupted it", line);
                job.interrupt();
            }
        }, Thread.currentThread().getName() + "-watcher");
        watcher.setDaemon(true);
        watcher.start();
        try {
            Object result = session.execute(line);
            if (result != null) {
                wire.out().println(session.format(result, Converter.INSPECT));
            }
            return true;
        } catch (Exception e) {
            wire.err().println("Error: " + e.getMessage());
            return false;
        } finally {
            done.set(true);
            session.close();
        }
    }
}
