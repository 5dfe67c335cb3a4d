package dev.spindle.samples.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Serves the files of a folder. Teaches three things: a handler per ConfigAdmin <em>factory</em>
 * configuration (each {@code config/dev.spindle.samples.files-NAME.cfg} sets {@code folder} and
 * the service properties {@code spindle.route} and {@code spindle.blocking}, so one bundle serves
 * several folders); blocking file I/O on the worker pool ({@code spindle.blocking=true}); and the
 * HTTP details of static files: Content-Type by extension, {@code ETag} with
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
    private static final long WRITE_TIMEOUT_SECONDS = 30;

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
    public void handle(IncomingMessage req, ServerResponse res) throws IOException, InterruptedException {
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
        // a worker thread may block: wait for 'drain' whenever the client reads slower than the disk
        Semaphore drained = new Semaphore(0);
        AtomicBoolean gone = new AtomicBoolean();
        res.onDrain(drained::release);
        res.onClose(() -> {
            gone.set(true);
            drained.release();
        });
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while (!gone.get() && (n = in.read(buf)) > 0) {
                if (!res.write(Arrays.copyOf(buf, n)) && !drained.tryAcquire(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("the client read nothing for " + WRITE_TIMEOUT_SECONDS + " s");
                }
            }
        }
        res.end();
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
