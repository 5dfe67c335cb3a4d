"""The parts fleet/fleet is made of: its state file, the processes it starts, a container seen from
outside (its ports, console, health and metrics), handler jars, and HAProxy with its runtime API.

Where it sits: outside the containers, as an operator's tooling; see fleet/fleet for the commands.
"""
import csv, glob, io, json, os, random, re, shutil, signal, socket, subprocess, sys, time, urllib.error, urllib.request, zipfile
from string import Template

HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = "spindle"
# Debian's package puts it in /usr/sbin, which a user's PATH may lack
HAPROXY_BIN = os.environ.get("HAPROXY", shutil.which("haproxy") or "/usr/sbin/haproxy")


def fail(message):
    print("fleet: " + message, file=sys.stderr)
    sys.exit(1)


def free_port(taken=()):
    """A loopback port nothing listens on now, none of taken, and below the kernel's ephemeral range: a
    port from bind(0) lies in that range, where the kernel also picks the local port of every outgoing
    connection, so one could take it before the container binds it; and two binds in a row can get the
    same port. A container whose port something else took never becomes ready."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            high = int(f.read().split()[0])
        high = high if high > 2048 else 32768
    except (OSError, ValueError, IndexError):
        high = 32768
    low = max(1024, high - 12000)
    start = random.randrange(low, high)
    for i in range(high - low):
        port = low + (start - low + i) % (high - low)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {low}-{high - 1}")


def await_condition(what, check, timeout, interval=0.1):
    """Polls check() until it returns a true value (returned) or timeout seconds pass (fails)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:g} s")


class State:
    """fleet.json in the state folder: HAProxy's port and PID, each container's home, ports and PID."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        self.file = os.path.join(self.folder, "fleet.json")
        self.data = {"containers": [], "haproxy": {}}
        if os.path.exists(self.file):
            with open(self.file) as f:
                self.data = json.load(f)

    def save(self):
        os.makedirs(self.folder, exist_ok=True)
        with open(self.file + ".new", "w") as f:
            json.dump(self.data, f, indent=2)
        os.replace(self.file + ".new", self.file)

    @property
    def containers(self):
        return [Container(c) for c in self.data["containers"]]

    def ports(self):
        """Every port the fleet has given out: its containers' and HAProxy's."""
        taken = {c[k] for c in self.data["containers"] for k in ("port", "admin", "console")}
        taken.add(self.data["haproxy"].get("port"))
        return taken


def alive(pid, cwd=None, marker=None):
    """Whether pid runs and is the process we started: its working folder or its command line says so."""
    if not pid:
        return False
    try:
        if cwd is not None:
            return os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) == os.path.realpath(cwd)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return marker.encode() in f.read()
    except OSError:
        return False


def stop(pid, grace):
    """SIGTERM, then SIGKILL after grace seconds; waits until the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
        await_condition(f"PID {pid} to exit", lambda: not os.path.exists(f"/proc/{pid}") or zombie(pid), grace)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")
    except OSError:
        return True


class Container:
    """One container of the fleet: its home (an unpacked archive) and the ports its configuration sets."""

    def __init__(self, data):
        self.data = data
        self.name, self.home = data["name"], data["home"]
        self.port, self.admin, self.console = data["port"], data["admin"], data["console"]

    @property
    def running(self):
        return alive(self.data.get("pid"), cwd=self.home)

    def http(self, path, port=None, timeout=5):
        """(status, body) of GET path on the admin port (or port); (None, reason) when nothing answers."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port or self.admin}{path}", timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError as e:
            return None, str(e)

    def ready(self):
        return self.http("/health/ready")[0] == 200

    def await_ready(self, timeout):
        """Waits until /health/ready answers 200; fails at once if the process exits, and at the timeout
        with what the container said last (its readiness checks) and the end of its log."""
        last = [None, "no answer yet"]

        def check():
            if not self.running:
                raise RuntimeError(f"{self.name} exited before it was ready (PID {self.data.get('pid')})\n"
                                   + self.log_tail())
            last[:] = self.http("/health/ready", timeout=2)
            return last[0] == 200
        try:
            await_condition(f"{self.name} ready", check, timeout, 0.2)
        except TimeoutError as e:
            raise TimeoutError(f"{e}; PID {self.data.get('pid')} runs; /health/ready on {self.admin} answered "
                               f"{last[0]}: {last[1][:2000]}\n{self.log_tail()}") from None

    def log_tail(self, lines=25):
        """The last lines of the container's output (container.log), to say why it is not ready."""
        path = os.path.join(self.home, "container.log")
        try:
            with open(path, "rb") as f:
                text = f.read()[-16384:].decode("utf-8", "replace").splitlines()[-lines:]
        except OSError as e:
            return f"({path}: {e})"
        return f"the last lines of {path}:\n" + "\n".join("  " + line for line in text)

    def command(self, line):
        """A shell command through the container's console (bin/spindle --command); its output."""
        r = subprocess.run([os.path.join(self.home, "bin/spindle"), "--command", line], capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, SPINDLE_HOME=self.home))
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: '{line}' failed: {r.stderr.strip() or r.stdout.strip()}")
        return r.stdout

    def bundles(self):
        """{symbolic name: [(version, state)]} from `lb -s`."""
        found = {}
        for m in re.finditer(r"(?m)^\s*\d+\|(\w+)\s*\|\s*\d+\|(\S+) \(([^)]*)\)", self.command("lb -s")):
            found.setdefault(m.group(2), []).append((m.group(3), m.group(1)))
        return found

    def responses(self):
        """{status class: count} of every response the container sent, from its /metrics."""
        status, body = self.http("/metrics")
        if status != 200:
            raise RuntimeError(f"{self.name}: /metrics answered {status}: {body[:200]}")
        return {m.group(1): float(m.group(2)) for m in
                re.finditer(r'(?m)^spindle_http_responses_total\{status_class="(\w+)"\} (\S+)$', body)}

    def start(self):
        log = open(os.path.join(self.home, "container.log"), "ab")
        p = subprocess.Popen([os.path.join(self.home, "bin/spindle"), "--background"], cwd=self.home,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, env={k: v for k, v in os.environ.items() if k != "SPINDLE_HOME"})
        self.data["pid"] = p.pid  # the launcher execs the JVM: this is the container's PID


def manifest(jar):
    """(Bundle-SymbolicName, Bundle-Version) of a jar."""
    with zipfile.ZipFile(jar) as z:
        text = z.read("META-INF/MANIFEST.MF").decode("utf-8").replace("\r\n ", "").replace("\n ", "")
    headers = dict(re.findall(r"(?m)^([\w-]+):\s*(.*?)\s*$", text))
    if "Bundle-SymbolicName" not in headers:
        raise ValueError(f"{jar} is not an OSGi bundle (no Bundle-SymbolicName)")
    return headers["Bundle-SymbolicName"].split(";")[0].strip(), osgi_version(headers.get("Bundle-Version", "0.0.0"))


def osgi_version(text):
    """A Bundle-Version as the framework prints it: major.minor.micro, then the qualifier if any."""
    parts = text.strip().split(".", 3)
    return ".".join(parts[:3] + ["0"] * (3 - len(parts[:3])) + parts[3:])


def deployed(home, bsn):
    """The jar of deploy/ holding bundle bsn, or None."""
    for jar in sorted(glob.glob(os.path.join(home, "deploy", "*.jar"))):
        try:
            if manifest(jar)[0] == bsn:
                return jar
        except (ValueError, KeyError, zipfile.BadZipFile):
            continue
    return None


def drop(jar, target):
    """Copies jar to target the safe way (aside, then renamed over), so File Install sees a whole jar."""
    part = os.path.join(os.path.dirname(target), "." + os.path.basename(target) + ".part")
    shutil.copyfile(jar, part)
    os.replace(part, target)


def set_key(path, key, value):
    text = open(path).read() if os.path.exists(path) else ""
    line = f"{key} = {value}"
    text, n = re.subn(rf"(?m)^#?\s*{re.escape(key)}\s*=.*$", line, text, count=1)
    with open(path, "w") as f:
        f.write(text if n else text.rstrip("\n") + ("\n" if text else "") + line + "\n")


class HAProxy:
    """HAProxy in master-worker mode, its configuration made from haproxy.cfg.in, and its runtime API."""

    def __init__(self, state):
        self.state = state
        self.data = state.data["haproxy"]
        self.cfg = os.path.join(state.folder, "haproxy.cfg")
        self.socket = os.path.join(state.folder, "haproxy.sock")

    @property
    def running(self):
        return alive(self.data.get("pid"), marker=self.cfg)

    def configure(self, port, containers):
        servers = "\n".join(f"    server {c.name} 127.0.0.1:{c.port} check port {c.admin}" for c in containers)
        with open(os.path.join(HERE, "haproxy.cfg.in")) as f:
            text = Template(f.read()).substitute(port=port, socket=self.socket, servers=servers)
        old = open(self.cfg).read() if os.path.exists(self.cfg) else None
        self.data["port"] = port
        if text != old:
            with open(self.cfg, "w") as f:
                f.write(text)
        check = subprocess.run([HAPROXY_BIN, "-c", "-q", "-f", self.cfg], capture_output=True, text=True)
        if check.returncode != 0:
            fail(f"haproxy -c refused {self.cfg}: {check.stdout}{check.stderr}")
        started = None
        if not self.running:
            log = open(os.path.join(self.state.folder, "haproxy.log"), "ab")
            started = subprocess.Popen([HAPROXY_BIN, "-W", "-db", "-f", self.cfg], stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            self.data["pid"] = started.pid
            self.state.save()
        elif text != old:
            os.kill(self.data["pid"], signal.SIGUSR2)  # the master reloads: a new worker, no connection lost
        names = {c.name for c in containers}

        def serving():  # (a process just started has no /proc/PID/cmdline for a moment: poll it)
            if (started.poll() is not None) if started else not self.running:
                raise RuntimeError(f"HAProxy exited: see {self.state.folder}/haproxy.log")
            return set(self.servers()) == names
        await_condition("HAProxy to serve with its configuration", serving, 30)

    def api(self, line):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.socket)
            s.sendall((line + "\n").encode())
            out = b""
            while chunk := s.recv(65536):
                out += chunk
        return out.decode()

    def servers(self):
        """{server name: row of `show stat`} for the fleet's backend ({} while HAProxy does not answer)."""
        try:
            text = self.api("show stat").lstrip("# ")
        except OSError:
            return {}
        return {r["svname"]: r for r in csv.DictReader(io.StringIO(text))
                if r["pxname"] == BACKEND and r["svname"] not in ("FRONTEND", "BACKEND")}

    def set_state(self, name, state):
        answer = self.api(f"set server {BACKEND}/{name} state {state}").strip()
        if answer:
            raise RuntimeError(f"HAProxy: set server {name} state {state}: {answer}")

    def await_up(self, name, timeout):
        await_condition(f"HAProxy to see {name} UP", lambda: self.servers().get(name, {}).get("status") == "UP", timeout)
