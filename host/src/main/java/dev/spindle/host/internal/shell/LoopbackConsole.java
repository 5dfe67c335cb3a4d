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
 * Runs one Gogo command per connection for scripts ({@code ./spindle --command "spindle:stats"}):
 * the client sends a line, gets what the command printed and returned, and the connection closes.
 * Listens on the loopback interface only, so only local users reach it.
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

    @Activate
    void activate(ConsoleConfiguration cfg) throws IOException {
        if (cfg.port() == 0) {
            return;
        }
        if (cfg.port() < 0 || cfg.port() > 65535) {
            throw new IllegalArgumentException("dev.spindle.console: invalid port: " + cfg.port());
        }
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), cfg.port()), 8);
        acceptor = new Thread(this::accept, "spindle-console");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.info("Loopback console on 127.0.0.1:{}", server.getLocalPort());
    }

    @Deactivate
    void deactivate() throws InterruptedException, IOException {
        if (server != null) {
            server.close();
            acceptor.join(5000);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                serve(s.getInputStream(), s.getOutputStream());
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("Console connection failed", e);
            }
        }
    }

    private void serve(InputStream in, OutputStream out) throws IOException {
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isBlank()) {
            return;
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(text, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(InputStream.nullInputStream(), print, print);
        try {
            Object result = session.execute(line);
            if (result != null) {
                print.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            print.println("Error: " + e.getMessage());
        } finally {
            session.close();
        }
        out.write(text.toByteArray());
        out.flush();
    }
}
