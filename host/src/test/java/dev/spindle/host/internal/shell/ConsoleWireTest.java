package dev.spindle.host.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The loopback console's answer as the client reads it: output as printed, error lines marked, the status last. */
class ConsoleWireTest {

    private final ByteArrayOutputStream socket = new ByteArrayOutputStream();
    private final ConsoleWire wire = new ConsoleWire(socket);

    private String sent() {
        return socket.toString(StandardCharsets.UTF_8);
    }

    @Test
    void outputGoesOutAsItIsPrintedBeforeTheCommandEnds() throws Exception {
        wire.out().print("half a line");
        assertEquals("half a line", sent(), "nothing held back until a newline or the end");
        wire.out().println(", then the rest");
        wire.finish(true);
        assertEquals("half a line, then the rest\n#spindle-status 0\n", sent());
    }

    @Test
    void anErrorLineStartsALineOfItsOwnAndTheStatusEndsTheAnswer() throws Exception {
        wire.out().print("partial");
        wire.err().println("Error: Command not found: x");
        wire.err().print("no newline at the end");
        wire.finish(false);
        assertEquals("partial\n#spindle-error Error: Command not found: x\n#spindle-error no newline at the end\n"
                + "#spindle-status 1\n", sent());
    }

    @Test
    void anAnswerWithoutOutputIsTheStatusAlone() throws Exception {
        wire.finish(true);
        assertEquals("#spindle-status 0\n", sent());
    }
}
