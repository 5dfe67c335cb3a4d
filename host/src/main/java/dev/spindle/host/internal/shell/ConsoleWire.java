package dev.spindle.host.internal.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Beside {@link LoopbackConsole}: the connection's output as one command's session sees it. What
 * the command prints on its output goes to the client as it is printed (a {@code log:tail}
 * follows), unchanged; each line it prints on its error stream goes as one line prefixed with
 * {@value #ERROR}, which the launcher strips and writes to its own standard error; the last line
 * is {@value #STATUS} and the outcome ({@code 0} or {@code 1}). An error line or the status line
 * always starts a line of its own. Both streams may be written from several threads (a pipeline's).
 */
final class ConsoleWire {

    /** The last line of every answer to a client that sent the token: the command's outcome. */
    static final String STATUS = "#spindle-status ";
    /** The start of each line of a command's error stream. */
    static final String ERROR = "#spindle-error ";

    private final OutputStream socket;
    private final PrintStream out;
    private final PrintStream err;
    private final ByteArrayOutputStream errorLine = new ByteArrayOutputStream();
    /** The last byte sent; a newline at the start, so that nothing is added before a first error line. */
    private int last = '\n';

    ConsoleWire(OutputStream socket) {
        this.socket = socket;
        this.out = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                send(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        this.err = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                error(b);
            }
        }, true, StandardCharsets.UTF_8);
    }

    /** What the command prints: to the client as printed. */
    PrintStream out() {
        return out;
    }

    /** What the command reports as errors: to the client line by line, as error lines. */
    PrintStream err() {
        return err;
    }

    /** Ends the answer with the outcome, after anything left of an error line. */
    void finish(boolean ok) throws IOException {
        out.flush();
        err.flush();
        synchronized (this) {
            if (errorLine.size() > 0) {
                errorLine.write('\n');
                sendError();
            }
            if (last != '\n') {
                send(new byte[] {'\n'}, 0, 1);
            }
            byte[] status = (STATUS + (ok ? 0 : 1) + "\n").getBytes(StandardCharsets.US_ASCII);
            send(status, 0, status.length);
        }
    }

    private synchronized void send(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        socket.write(b, off, len);
        socket.flush();
        last = b[off + len - 1];
    }

    private synchronized void error(int b) throws IOException {
        errorLine.write(b);
        if (b == '\n') {
            sendError();
        }
    }

    /** The error line collected, ending in a newline, on a line of its own. */
    private void sendError() throws IOException {
        if (last != '\n') {
            send(new byte[] {'\n'}, 0, 1);
        }
        byte[] prefix = ERROR.getBytes(StandardCharsets.US_ASCII);
        byte[] line = errorLine.toByteArray();
        errorLine.reset();
        byte[] all = new byte[prefix.length + line.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(line, 0, all, prefix.length, line.length);
        send(all, 0, all.length);
    }
}
