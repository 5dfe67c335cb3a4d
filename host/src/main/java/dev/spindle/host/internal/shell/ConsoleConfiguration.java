package dev.spindle.host.internal.shell;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** ConfigAdmin PID {@code dev.spindle.console}: the loopback console for scripts. */
@ObjectClassDefinition(id = "dev.spindle.console", name = "Spindle loopback console",
        description = "Runs one Gogo command per connection, from 127.0.0.1 only, for clients that know the token")
public @interface ConsoleConfiguration {

    @AttributeDefinition(description = "TCP port on 127.0.0.1; 0 turns the console off")
    int port() default 8101;

    @AttributeDefinition(description = "File the console writes its token to at start (owner-only permissions,"
            + " a new random token each start, deleted on stop); relative to the container folder")
    String tokenFile() default "var/console.token";
}
