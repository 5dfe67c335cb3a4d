package dev.spindle.host.internal.admin;

import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.util.tracker.BundleTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beside the data path, an extender for the admin listener: the static files that active bundles
 * declare with the manifest header {@value #HEADER} ({@code /dashboard -> /web}: the bundle's
 * entries under {@code /web} served at {@code /dashboard/...}; several mounts separated by
 * commas), read from the bundle with {@link Bundle#getEntry} by the {@link AdminHandler}. The host
 * serves them, so a bundle adds pages, never endpoints: a mount on the listener's own paths
 * ({@link #RESERVED}) is refused with a warning. When two bundles mount one path, the one with
 * the lower bundle id is served; the other takes over if it goes.
 */
final class AdminResources extends BundleTracker<List<AdminResources.Mount>> {

    static final String HEADER = "Spindle-Admin-Resources";
    /** The admin listener's own paths, which no mount may take. */
    static final Set<String> RESERVED = Set.of("/", "/health", "/metrics", "/events");
    private static final Logger LOG = LoggerFactory.getLogger(AdminResources.class);

    /** One mount: {@code bundle}'s entries under {@code folder} at the path {@code path}. */
    record Mount(String path, Bundle bundle, String folder) {
    }

    /** The mounts by path, each path's candidates by bundle id. */
    private final ConcurrentSkipListMap<String, List<Mount>> mounts = new ConcurrentSkipListMap<>();

    AdminResources(BundleContext context) {
        super(context, Bundle.ACTIVE, null);
    }

    /** The mounts of {@code header} for {@code bundle}; malformed or reserved ones are logged and skipped. */
    static List<Mount> parse(String header, Bundle bundle) {
        List<Mount> out = new ArrayList<>();
        for (String clause : header.split(",")) {
            String[] parts = clause.split("->");
            String path = parts.length == 2 ? trimSlash(parts[0].trim()) : null;
            String folder = parts.length == 2 ? trimSlash(parts[1].trim()) : null;
            if (path == null || !path.startsWith("/") || !folder.startsWith("/") || path.contains("..")
                    || folder.contains("..")) {
                LOG.warn("{} of bundle {}: '{}' is not '/path -> /folder': ignored", HEADER, bundle.getSymbolicName(),
                        clause.trim());
            } else if (reserved(path)) {
                LOG.warn("{} of bundle {}: {} is the admin listener's own: ignored", HEADER, bundle.getSymbolicName(),
                        path);
            } else {
                out.add(new Mount(path, bundle, folder));
            }
        }
        return out;
    }

    private static boolean reserved(String path) {
        for (String own : RESERVED) {
            if (path.equals(own) || !"/".equals(own) && path.startsWith(own + "/")) {
                return true;
            }
        }
        return path.isEmpty();
    }

    private static String trimSlash(String s) {
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public List<Mount> addingBundle(Bundle bundle, BundleEvent event) {
        String header = bundle.getHeaders("").get(HEADER);
        if (header == null) {
            return null;
        }
        List<Mount> own = parse(header, bundle);
        for (Mount m : own) {
            List<Mount> list = mounts.computeIfAbsent(m.path(), p -> new CopyOnWriteArrayList<>());
            list.add(m);
            list.sort(Comparator.comparingLong(x -> x.bundle().getBundleId()));
            LOG.info("Admin listener serves {} from bundle {} ({})", m.path(), bundle.getSymbolicName(), m.folder());
        }
        return own;
    }

    @Override
    public void removedBundle(Bundle bundle, BundleEvent event, List<Mount> own) {
        for (Mount m : own) {
            mounts.computeIfPresent(m.path(), (p, list) -> {
                list.remove(m);
                return list.isEmpty() ? null : list;
            });
        }
    }

    /** The mounted paths, sorted. */
    List<String> paths() {
        return List.copyOf(mounts.keySet());
    }

    /** What a request path names among the mounts. */
    sealed interface Lookup permits Found, Redirect, Missing {
    }

    /** A file: its entry in the bundle. */
    record Found(URL entry) implements Lookup {
    }

    /** A mount's own path without its slash: to be sent to {@code location}. */
    record Redirect(String location) implements Lookup {
    }

    /** Nothing there. */
    record Missing() implements Lookup {
    }

    /**
     * The file {@code path} names ({@code index.html} for a folder), or where to go, or nothing.
     * The mounted paths are tried from the last in order, so that a path inside another
     * ({@code /docs/api} in {@code /docs}) comes before it: the longest one a request is under serves it.
     */
    Lookup find(String path) {
        for (Map.Entry<String, List<Mount>> e : mounts.descendingMap().entrySet()) {
            String at = e.getKey();
            if (path.equals(at)) {
                return new Redirect(at + "/");
            }
            if (!path.startsWith(at + "/") || e.getValue().isEmpty()) {
                continue;
            }
            String rest = path.substring(at.length());
            if (rest.contains("/../") || rest.endsWith("/..") || rest.contains("//")) {
                return new Missing();
            }
            if (rest.endsWith("/")) {
                rest += "index.html";
            }
            Mount m = e.getValue().get(0);
            URL entry = m.bundle().getEntry(("/".equals(m.folder()) ? "" : m.folder()) + rest);
            return entry == null || entry.getPath().endsWith("/") ? new Missing() : new Found(entry);
        }
        return new Missing();
    }
}
