package dev.spindle.host.internal.shell;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.spindle.api.HttpServer;

/**
 * The {@code spindle:sockets} command of the Gogo shell: the open WebSockets, read through the
 * {@link HttpServer} service like the other {@code spindle:} views.
 */
@Component(service = SocketCommands.class, property = {
    "osgi.command.scope=spindle",
    "osgi.command.function=sockets",
})
public final class SocketCommands {

    private final HttpServer server;

    @Activate
    public SocketCommands(@Reference(name = "server") HttpServer server) {
        this.server = server;
    }

    @Descriptor("open WebSockets: client, path, the handler service serving it, age, messages and bytes in and out,"
            + " bytes buffered for sending")
    public String sockets() {
        Table t = new Table("ID", "REMOTE", "PATH", "SERVICE", "AGE", "MSGS IN", "BYTES IN", "MSGS OUT", "BYTES OUT",
                "BUFFERED");
        for (HttpServer.SocketInfo s : server.sockets()) {
            t.row(s.id(), s.remoteAddress() == null ? "-" : SpindleCommands.address(s.remoteAddress()), s.path(),
                    s.serviceId(), SpindleCommands.duration(s.age()), s.messagesIn(), s.bytesIn(), s.messagesOut(),
                    s.bytesOut(), s.bufferedAmount());
        }
        return t.toString();
    }

    @Descriptor(DeployCommands.OTHER)
    public String sockets(String... arguments) {
        if (arguments.length == 0) {
            return sockets();
        }
        throw Usage.wrong("spindle:sockets", "no arguments", arguments);
    }
}
