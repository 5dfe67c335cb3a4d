package dev.spindle.bench.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The start-up floor of {@code bench/measure.py startup --floor}: a bundle that FileInstall deploys
 * like the hello sample, in a container from which Spindle's own bundles are gone (the framework,
 * SCR, ConfigAdmin, FileInstall, Gogo, pax-logging and Netty's bundles stay). It answers every
 * connection to the port named in {@code probe.port} with one fixed {@code hello world} response from
 * a JDK socket: the first request such a container could serve, without any of Spindle's start.
 */
public final class StackProbe implements BundleActivator {

    private static final byte[] ANSWER = ("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world")
            .getBytes(StandardCharsets.US_ASCII);

    private ServerSocket server;

    @Override
    public void start(BundleContext context) throws IOException {
        int port = Integer.parseInt(Files.readString(Path.of("probe.port")).trim());
        server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread serving = new Thread(this::serve, "stack-probe");
        serving.setDaemon(true);
        serving.start();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                int matched = 0;
                for (int b; matched < 4 && (b = in.read()) >= 0; ) {
                    matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                out.write(ANSWER);
            } catch (IOException e) {
                // closed by stop(), or a client gone: nothing to answer
            }
        }
    }

    @Override
    public void stop(BundleContext context) throws IOException {
        server.close();
    }
}
