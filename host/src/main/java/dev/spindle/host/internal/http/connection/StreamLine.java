package dev.spindle.host.internal.http.connection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Data path: inside {@link HttpConnection}, the line of exchanges that {@link FlushTracker}
 * (written, not yet in the socket) keeps, oldest first. Most connections never have more than one
 * exchange there: the first is a field, and an {@link ArrayDeque} for the others is made only when
 * a client pipelines, then kept. An idle keep-alive connection so holds no deque and no array for
 * it (about 64 bytes). A base class rather than a field so that it adds no object of its own to
 * every connection. ({@link ResponseQueue}, the line of exchanges not yet answered, still keeps
 * a deque of its own.) Event loop only.
 */
abstract class StreamLine {

    private Http1Stream first;
    /** The ones after {@link #first}; null until a second one is added. */
    private ArrayDeque<Http1Stream> rest;

    final void addLast(Http1Stream s) {
        if (first == null) {
            first = s;
        } else {
            if (rest == null) {
                rest = new ArrayDeque<>(4);
            }
            rest.addLast(s);
        }
    }

    /** The oldest, or null. */
    final Http1Stream first() {
        return first;
    }

    /** The newest, or null. */
    final Http1Stream last() {
        return rest == null || rest.isEmpty() ? first : rest.peekLast();
    }

    /** Takes the oldest out and returns it, or null. */
    final Http1Stream pollFirst() {
        Http1Stream s = first;
        first = rest == null ? null : rest.pollFirst();
        return s;
    }

    /** Takes {@code s} out wherever it is. */
    final void remove(Http1Stream s) {
        if (first == s) {
            pollFirst();
        } else if (rest != null) {
            rest.remove(s);
        }
    }

    final int size() {
        return first == null ? 0 : 1 + (rest == null ? 0 : rest.size());
    }

    final boolean isEmpty() {
        return first == null;
    }

    /** A copy, oldest first: for walks that may change the line. */
    final List<Http1Stream> copy() {
        List<Http1Stream> all = new ArrayList<>(size());
        if (first != null) {
            all.add(first);
            if (rest != null) {
                all.addAll(rest);
            }
        }
        return all;
    }
}
