# Runs a command on a new pseudo-terminal of 80x24 and relays bytes both ways, unchanged: this
# process's stdin to the terminal (what the operator types), the terminal's output to this
# process's stdout (what the operator's terminal would receive). SIGTERM is passed on to the
# command; the exit status is the command's. Used by Container.onTerminal: Java has no pseudo-terminal.
import fcntl, os, pty, select, signal, struct, sys, termios

pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # Ctrl-C on the terminal stops the command, as on an operator's (a test runner may ignore SIGINT)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execvp(sys.argv[1], sys.argv[1:])

signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
inputs = [master, 0]
while True:
    try:
        ready, _, _ = select.select(inputs, [], [])
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the command and every process on the terminal are gone
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            inputs.remove(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
