package dev.spindle.host.internal.admin;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code dev.spindle.admin}: where the admin listener listens. No configuration: no listener. */
@ObjectClassDefinition(id = "dev.spindle.admin", name = "Spindle admin listener",
        description = "Health and Prometheus metrics on a port of their own, beside the HTTP server")
public @interface AdminConfiguration {

    @AttributeDefinition(description = "TCP port of the admin listener; 0 turns it off")
    int port() default 0;

    @AttributeDefinition(description = "Address to bind: 127.0.0.1 for loopback only, 0.0.0.0 for every interface")
    String bindAddress() default "127.0.0.1";

    @AttributeDefinition(description = "Longest an event loop may take to run a task from /health/live, ms;"
            + " slower counts as not live")
    long liveTimeoutMillis() default 1000L;
}
