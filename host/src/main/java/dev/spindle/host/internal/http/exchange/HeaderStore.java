package dev.spindle.host.internal.http.exchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headers a handler set, as Node keeps them: in the order first set, each with the case last
 * given, and a value that is one string or a list (sent as one line per element). Parallel arrays
 * with linear, case-insensitive lookup: a response has a handful of headers, so this beats hashing
 * and allocates nothing per lookup.
 */
public final class HeaderStore {

    private String[] names = new String[4];
    /** A {@code String}, or an unmodifiable {@code List<String>} for a header set as a list. */
    private Object[] values = new Object[4];
    private int size;

    public int size() {
        return size;
    }

    public String name(int i) {
        return names[i];
    }

    public Object value(int i) {
        return values[i];
    }

    public int indexOf(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Sets {@code name} to {@code value}, keeping its place if already set (and taking the new case). */
    public void set(String name, Object value) {
        int i = indexOf(name);
        if (i < 0) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            i = size++;
        }
        names[i] = name;
        values[i] = value;
    }

    /** Adds a value after those already set for {@code name}. */
    public void append(String name, String value) {
        int i = indexOf(name);
        if (i < 0) {
            set(name, value);
            return;
        }
        List<String> list = new ArrayList<>(values(i));
        list.add(value);
        values[i] = Collections.unmodifiableList(list);
    }

    public void remove(String name) {
        int i = indexOf(name);
        if (i >= 0) {
            System.arraycopy(names, i + 1, names, i, size - i - 1);
            System.arraycopy(values, i + 1, values, i, size - i - 1);
            size--;
            names[size] = null;
            values[size] = null;
        }
    }

    public void clear() {
        Arrays.fill(names, 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
    }

    /** The values of header {@code i}: one for a single value. */
    @SuppressWarnings("unchecked")
    public List<String> values(int i) {
        Object v = values[i];
        return v instanceof String ? List.of((String) v) : (List<String>) v;
    }

    public List<String> lowerCaseNames() {
        List<String> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(names[i].toLowerCase(Locale.ROOT));
        }
        return Collections.unmodifiableList(out);
    }

    public Map<String, List<String>> asMap() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            out.put(names[i].toLowerCase(Locale.ROOT), values(i));
        }
        return Collections.unmodifiableMap(out);
    }
}
