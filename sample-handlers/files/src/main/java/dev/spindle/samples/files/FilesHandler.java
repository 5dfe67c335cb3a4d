package dev.spindle.samples.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Serves the files of a folder. Teaches three things: a handler per ConfigAdmin <em>factory</em>
 * configuration (each {@code config/dev.spindle.samples.files-NAME.cfg} sets {@code folder} and
 * the service properties {@code spindle.route} and {@code spindle.blocking}, so one bundle serves
 * several folders); blocking file I/O on the worker pool ({@code spindle.blocking=true}) that
 * hands the body to asynchronous reads with backpressure, so that a client that does not read
 * holds no worker; and the HTTP details of static files: Content-Type by extension, {@code ETag} with
 * {@code If-None-Match} answered {@code 304}, HEAD, and paths that cannot leave the folder.
 *
 * <pre>
 * $ curl -i localhost:8080/files/index.html
 * HTTP/1.1 200 OK
 * Content-Type: text/html; charset=utf-8
 * ETag: "..."
 * </pre>
 */
@Component(configurationPid = "dev.spindle.samples.files", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = FilesHandler.Config.class, factory = true)
public final class FilesHandler implements Handler {

    /** One served folder. {@code spindle.route} (for example {@code /files/*}) goes in the same file. */
    @ObjectClassDefinition(id = "dev.spindle.samples.files", name = "Spindle sample: files")
    public @interface Config {
        @AttributeDefinition(description = "The folder to serve, absolute or relative to the container folder")
        String folder();
    }

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "json", "application/json", "txt", "text/plain; charset=utf-8",
            "png", "image/png", "jpg", "image/jpeg", "svg", "image/svg+xml");
    private static final int CHUNK = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(FilesHandler.class);

    private Path root;
    private String prefix;

    @Activate
    void activate(Config config, Map<String, Object> props) throws IOException {
        root = Paths.get(config.folder()).toAbsolutePath().normalize();
        Files.createDirectories(root);
        root = root.toRealPath();
        String route = String.valueOf(props.get(Handler.ROUTE));
        prefix = route.endsWith("/*") ? route.substring(0, route.length() - 2) : route;
    }

    @Override
    public void handle(IncomingMessage req, ServerResponse res) throws IOException {
        Path file = resolve(req.path());
        if (file == null) {
            answer(res, 404, "Not Found\n");
            return;
        }
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        String etag = "\"" + Long.toHexString(attrs.size()) + "-" + Long.toHexString(attrs.lastModifiedTime().toMillis()) + "\"";
        res.setHeader("ETag", etag);
        if (etag.equals(req.header("if-none-match"))) {
            res.statusCode(304);
            res.end();
            return;
        }
        String name = file.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        res.setHeader("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"));
        res.setHeader("Content-Length", attrs.size());
        if (req.method().equals("HEAD")) {
            res.end();
            return;
        }
        // the body streams without the worker: it is free again as soon as handle returns, however
        // slowly the client reads
        new BodyPump(AsynchronousFileChannel.open(file, StandardOpenOption.READ), attrs.size(), res).start();
    }

    /**
     * Streams one file with Node's backpressure: reads a chunk (asynchronously, on the JDK's file
     * I/O threads), writes it, and reads the next at once while {@code write} returns true, else
     * on {@code 'drain'}. At most one chunk beyond the high-water mark is ever buffered per
     * response, and no thread waits for the client.
     */
    private static final class BodyPump implements CompletionHandler<Integer, ByteBuffer> {
        private final AsynchronousFileChannel file;
        private final long size;
        private final ServerResponse res;
        private volatile boolean gone;
        private long position;

        BodyPump(AsynchronousFileChannel file, long size, ServerResponse res) {
            this.file = file;
            this.size = size;
            this.res = res;
        }

        void start() {
            res.onDrain(this::next);
            res.onClose(() -> {
                gone = true;
                close();
            });
            next();
        }

        private void next() {
            if (gone) {
                return;
            }
            if (position >= size) {
                close();
                res.end();
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, size - position));
            file.read(buf, position, buf, this);
        }

        @Override
        public void completed(Integer n, ByteBuffer buf) {
            if (n < 0) {
                failed(new IOException("the file shrank while it was served"), buf);
                return;
            }
            position += n;
            buf.flip();
            if (res.write(buf)) {
                next();
            }
        }

        @Override
        public void failed(Throwable e, ByteBuffer buf) {
            LOG.warn("Reading the file failed after {} bytes: cutting the response", position, e);
            close();
            res.setTimeout(1, null); // the API's way to give up a response: the connection closes
        }

        private void close() {
            try {
                file.close();
            } catch (IOException e) {
                LOG.debug("Closing the file failed", e);
            }
        }
    }

    /** The regular file under the folder that {@code path} names, or null: never anything outside it. */
    private Path resolve(String path) throws IOException {
        if (!path.startsWith(prefix)) {
            return null;
        }
        String relative = java.net.URLDecoder.decode(path.substring(prefix.length()).replace("+", "%2B"),
                java.nio.charset.StandardCharsets.UTF_8);
        if (relative.isEmpty() || relative.endsWith("/")) {
            relative += "index.html";
        }
        if (relative.indexOf('\0') >= 0) {
            return null;
        }
        Path candidate = root.resolve(relative.replaceFirst("^/+", "")).normalize();
        if (!candidate.startsWith(root) || !Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return candidate.toRealPath().startsWith(root) ? candidate : null;
    }

    private static void answer(ServerResponse res, int status, String body) {
        res.statusCode(status);
        res.setHeader("Content-Type", "text/plain");
        res.end(body);
    }
}
