package dev.spindle.host.internal.shell;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code dev.spindle.console}: the loopback console for scripts. */
@ObjectClassDefinition(id = "dev.spindle.console", name = "Spindle loopback console",
        description = "Runs one Gogo command per connection, from 127.0.0.1 only")
public @interface ConsoleConfiguration {

    @AttributeDefinition(description = "TCP port on 127.0.0.1; 0 turns the console off")
    int port() default 8101;
}
