package dev.spindle.host.internal.http.exchange;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Field handles for the release stores of flags that other threads only read. */
public final class Fields {

    private Fields() {
    }

    /** The handle of field {@code name} of the class that made {@code lookup}; fails class initialisation if absent. */
    public static VarHandle handle(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
