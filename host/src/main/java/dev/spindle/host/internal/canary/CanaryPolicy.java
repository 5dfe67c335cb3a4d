package dev.spindle.host.internal.canary;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.spindle.host.internal.router.Canary;

/**
 * Beside the data path: how one canary is run, from the shell's options or its {@code config/}
 * file (factory PID {@code dev.spindle.canary}); the keys are the record's component names.
 *
 * @param percent the canary's first share of the requests, 1 to 99 (default 10)
 * @param windowSeconds the analysis window (default 30)
 * @param minRequests how many requests the canary must have served in a window before it is
 *        judged (default 100)
 * @param max5xxPoints how far the canary's 5xx rate may be above the stable one's, in percentage
 *        points (default 1)
 * @param maxP99Ratio how many times the stable one's p99 latency the canary's may be (default 2;
 *        latencies under 1 ms count as 1 ms, so that sub-millisecond noise judges nothing)
 * @param steps the shares the canary is promoted through, one per clean window, ascending, the
 *        last 100 for a full promotion (empty: it stays at {@code percent} until
 *        {@code spindle:promote})
 * @param sticky what keeps a client on one version, or null
 */
public record CanaryPolicy(int percent, int windowSeconds, int minRequests, double max5xxPoints, double maxP99Ratio,
        List<Integer> steps, Canary.Stickiness sticky) {

    public static final CanaryPolicy DEFAULT = new CanaryPolicy(10, 30, 100, 1, 2, List.of(), null);

    public CanaryPolicy {
        check(percent >= 1 && percent <= 99, "percent", percent, "1 to 99");
        check(windowSeconds >= 1, "windowSeconds", windowSeconds, "at least 1");
        check(minRequests >= 1, "minRequests", minRequests, "at least 1");
        check(max5xxPoints >= 0, "max5xxPoints", max5xxPoints, "0 or more");
        check(maxP99Ratio >= 1, "maxP99Ratio", maxP99Ratio, "1 or more");
        steps = List.copyOf(steps);
        int last = percent;
        for (int s : steps) {
            check(s > last && s <= 100, "steps", steps, "ascending shares above percent, up to 100");
            last = s;
        }
    }

    private static void check(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be " + expected + ", not " + value);
        }
    }

    /** This policy with the keys {@code props} has (strings or numbers), the rest as they are. */
    public CanaryPolicy with(Map<String, ?> props) {
        String header = string(props, "stickyHeader");
        String cookie = string(props, "stickyCookie");
        if (header != null && cookie != null) {
            throw new IllegalArgumentException("stickyHeader and stickyCookie exclude each other");
        }
        Canary.Stickiness stick = header != null ? new Canary.Stickiness(header.toLowerCase(java.util.Locale.ROOT), null)
                : cookie != null ? new Canary.Stickiness(null, cookie) : sticky;
        String stepList = string(props, "steps");
        List<Integer> s = steps;
        if (stepList != null) {
            s = new ArrayList<>();
            for (String item : stepList.split("[,\\s]+")) {
                if (!item.isEmpty()) {
                    s.add((int) number(Map.of("steps", item), "steps", 0));
                }
            }
        }
        return new CanaryPolicy((int) number(props, "percent", percent), (int) number(props, "windowSeconds", windowSeconds),
                (int) number(props, "minRequests", minRequests), number(props, "max5xxPoints", max5xxPoints),
                number(props, "maxP99Ratio", maxP99Ratio), s, stick);
    }

    private static String string(Map<String, ?> props, String key) {
        Object v = props.get(key);
        if (v instanceof String[] a) {
            v = String.join(",", a);
        }
        return v == null || v.toString().isBlank() ? null : v.toString().trim();
    }

    private static double number(Map<String, ?> props, String key, double absent) {
        String v = string(props, key);
        if (v == null) {
            return absent;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not " + v);
        }
    }

    /** How the router sends requests at {@code share} percent. */
    Canary routing(int share) {
        return new Canary(share, sticky);
    }
}
