package dev.spindle.host.internal.shell;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
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

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
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
 * printed and returned, then a last line {@code #spindle-status 0} (or {@code 1} when the command
 * failed), and the connection closes. A connection without the right token gets one line saying
 * so, is closed, and is logged.
 */
@Component(configurationPid = "dev.spindle.console", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConsoleConfiguration.class)
public final class LoopbackConsole {

    /** The last line of every answer to a client that sent the token: the command's outcome. */
    static final String STATUS = "#spindle-status ";

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackConsole.class);
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    @Reference
    private CommandProcessor processor;

    private ServerSocket server;
    private Thread acceptor;
    /** Whether a client's command is running (on the acceptor's thread or one it waits for). */
    private volatile boolean executing;
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
            server.close();
            if (!executing) {
                acceptor.join(5000);
            } // else the command running is what stops the host (update of its bundle, say): it cannot wait for itself
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
            try (Socket s = server.accept()) {
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                serve(s, s.getInputStream(), s.getOutputStream());
            } catch (SocketException closed) {
                if (server.isClosed()) {
                    return;
                }
                LOG.debug("Console connection lost", closed);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Console connection failed", e);
            }
        }
    }

    private void serve(Socket s, InputStream in, OutputStream out) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String offered = lines.readLine();
        if (offered == null || !MessageDigest.isEqual(token, offered.trim().getBytes(StandardCharsets.UTF_8))) {
            LOG.warn("Console connection from {} refused: {} token", s.getRemoteSocketAddress(),
                    offered == null || offered.isBlank() ? "no" : "wrong");
            out.write(("spindle console: refused: the first line must be the token from " + tokenFile + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            return;
        }
        String line = lines.readLine();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(text, true, StandardCharsets.UTF_8);
        boolean ok = line != null && !line.isBlank() && execute(line, print);
        if (line == null || line.isBlank()) {
            print.println("spindle console: no command");
        }
        if (text.size() > 0 && text.toByteArray()[text.size() - 1] != '\n') {
            print.println();
        }
        print.print(STATUS + (ok ? 0 : 1) + "\n");
        out.write(text.toByteArray());
        out.flush();
    }

    /** Runs {@code line}, printing its output and result to {@code print}; whether it succeeded. */
    private boolean execute(String line, PrintStream print) {
        CommandSession session = processor.createSession(InputStream.nullInputStream(), print, print);
        executing = true;
        try {
            Object result = session.execute(line);
            if (result != null) {
                print.println(session.format(result, Converter.INSPECT));
            }
            return true;
        } catch (Exception e) {
            print.println("Error: " + e.getMessage());
            return false;
        } finally {
            executing = false;
            session.close();
        }
    }
}
