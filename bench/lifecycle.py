"""Lifecycle timings for BENCHMARKS.md: `bench/measure.py shutdown` and `bench/measure.py refresh`.

Each run starts a fresh copy of the assembled container (distribution/target/spindle) on a free
loopback port through ./spindle --background (its JVM flags; SPINDLE_CDS=off, so that no run pays
for recording the class data sharing archive at exit), and notes the 1-minute load average of the
machine at the moment it acts (the machine is shared with other builds).

  shutdown  per case (idle keep-alive connections and endless /events streams of the events sample
            opened first, every connection read by one selector thread), SIGTERM to the container's
            JVM, then: the time until a new connection is refused (a connect attempt every ~1 ms),
            until the last idle connection and the last stream are closed by the server, until the
            process exits, and its exit status. --runs per case, medians of the times.
  refresh   8 keep-alive clients send GET /hello back to back; after 1 s, `update` and `refresh` of
            the spindle-api bundle through the loopback console (./spindle --command); a probe
            connects every ~5 ms. Measures the longest time the port refused new connections (first
            refused probe -> next accepted one), the slowest request (sent -> whole response read),
            and the answers: 200, 503, other statuses, failed requests. A reused connection that the
            server closed before any byte of a response is an idle close, which HTTP lets a client
            retry (RFC 9112, 9.3.1): counted apart, not as a failure. --runs runs.

Every wait is bounded; a run that does not finish in time is reported as such. --checkout DIR
measures another checkout's assembled container with its own ./spindle (for example a worktree of
an older commit, built), with the same clients.
"""
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time

from measure import ROOT, free_port, served

CHECKOUT = ROOT  # whose distribution/target/spindle and ./spindle are measured

STARTUP_SECONDS = 60
HELLO = b'GET /hello HTTP/1.1\r\nHost: t\r\n\r\n'
EVENTS = b'GET /events HTTP/1.1\r\nHost: t\r\n\r\n'

SHUTDOWN_CASES = [
    # name, streams, idle connections, drainTimeoutMillis (None: the default, 10000)
    ('no connections', 0, 0, None),
    ('50 idle keep-alive', 0, 50, None),
    ('1 /events stream', 1, 0, None),
    ('100 streams + 100 idle', 100, 100, None),
    ('3 streams, drain 2000 ms', 3, 0, 2000),
]


def load_average():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


def machine():
    return 'nproc %d (CPUs allowed: %s), load average at start %.2f, %s' % (
        os.cpu_count(), ','.join(str(c) for c in sorted(os.sched_getaffinity(0))), load_average(),
        subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0])


class Container:
    """A private copy of the container on a free loopback port, started as ./spindle --background."""

    def __init__(self, prefix, settings=(), console=False):
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.home = os.path.join(self.work, 'container')
        shutil.copytree(os.path.join(CHECKOUT, 'distribution', 'target', 'spindle'), self.home,
                        ignore=shutil.ignore_patterns('felix-cache', 'var'))
        self.port = free_port()
        cfg = os.path.join(self.home, 'config', 'dev.spindle.host.cfg')
        text = open(cfg).read()
        text = re.sub(r'(?m)^port\s*=.*$', 'port = %d' % self.port, text)
        text = re.sub(r'(?m)^bindAddress\s*=.*$', 'bindAddress = 127.0.0.1', text)
        for key, value in settings:
            text += '%s = %s\n' % (key, value)
        open(cfg, 'w').write(text)
        with open(os.path.join(self.home, 'config', 'dev.spindle.console.cfg'), 'w') as f:
            f.write('port = %d\n' % (free_port() if console else 0))
        self.log = os.path.join(self.work, 'container.log')
        self.process = None

    def start(self):
        env = dict(os.environ, SPINDLE_HOME=self.home, SPINDLE_CDS='off')
        env.pop('JAVA_OPTS', None)
        self.process = subprocess.Popen([os.path.join(CHECKOUT, 'spindle'), '--background'], env=env,
                                        stdout=open(self.log, 'a'), stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_SECONDS
        while served(self.port, '/hello') != 'hello world':
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('the container did not serve /hello: see ' + self.log)
            time.sleep(0.02)

    def command(self, line):
        """Runs one Gogo command through ./spindle --command; returns what it printed."""
        env = dict(os.environ, SPINDLE_HOME=self.home)
        r = subprocess.run([os.path.join(CHECKOUT, 'spindle'), '--command', line], env=env,
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0 or re.search(r'(?m)^(Error|gogo: )', r.stdout):
            raise RuntimeError('%s failed (%d): %s%s' % (line, r.returncode, r.stdout, r.stderr))
        return r.stdout

    def log_text(self):
        with open(self.log, encoding='latin-1') as f:
            return f.read()

    def close(self, keep=False):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


def connect(port, timeout=10.0):
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until(s, marker, limit=10.0):
    seen = b''
    deadline = time.monotonic() + limit
    while marker not in seen:
        if time.monotonic() > deadline:
            raise TimeoutError('no %r in %r' % (marker, seen))
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError('closed before %r: %r' % (marker, seen))
        seen += chunk
    return seen


class Watcher(threading.Thread):
    """Reads every open connection and notes when the server closes each (ms since the signal)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.selector = selectors.DefaultSelector()
        self.closed = {}  # kind -> [ms]
        self.cut = 0  # streams that ended without the last chunk
        self.signalled = None
        self.open = 0
        self.stop = threading.Event()

    def add(self, s, kind):
        s.setblocking(False)
        self.selector.register(s, selectors.EVENT_READ, [kind, b''])
        self.open += 1

    def run(self):
        while self.open and not self.stop.is_set():
            for key, _ in self.selector.select(0.05):
                kind, tail = key.data
                try:
                    data = key.fileobj.recv(65536)
                except (ConnectionError, OSError):
                    data = b''
                if data:
                    key.data[1] = (tail + data)[-5:]
                    continue
                ms = (time.monotonic() - self.signalled) * 1000 if self.signalled else -1
                self.closed.setdefault(kind, []).append(ms)
                if kind == 'stream' and tail != b'0\r\n\r\n':
                    self.cut += 1
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                self.open -= 1


def await_refused(port, since, limit):
    """Connects every ~1 ms until the port refuses (at most `limit` s); ms since `since`, or None."""
    while time.monotonic() - since < limit:
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                pass
        except ConnectionRefusedError:
            return (time.monotonic() - since) * 1000
        except OSError:
            pass
        time.sleep(0.001)
    return None


def shutdown_run(streams, idle, drain):
    c = Container('spindle-shutdown-', [('drainTimeoutMillis', drain)] if drain else [])
    watcher = Watcher()
    try:
        c.start()
        for _ in range(idle):
            s = connect(c.port)
            s.sendall(HELLO)
            read_until(s, b'hello world')
            watcher.add(s, 'idle')
        for _ in range(streams):
            s = connect(c.port)
            s.sendall(EVENTS)
            read_until(s, b': connected')
            watcher.add(s, 'stream')
        watcher.start()
        load = load_average()
        limit = 2 * (drain or 10000) / 1000 + 20  # room for drains that run one after the other
        watcher.signalled = signalled = time.monotonic()
        os.kill(c.process.pid, signal.SIGTERM)
        refused = await_refused(c.port, signalled, limit)
        try:
            c.process.wait(max(0.1, limit - (time.monotonic() - signalled)))
            exited = (time.monotonic() - signalled) * 1000
            status = c.process.returncode
        except subprocess.TimeoutExpired:
            exited, status = None, 'still running after %.0f s' % limit
        watcher.stop.set()
        watcher.join(5)
        closed = {k: max(v) for k, v in watcher.closed.items()}
        ended = len(re.findall(r'event stream to \S+ ended after \d+ tick\(s\): SERVER_SHUTDOWN', c.log_text()))
        return dict(load=load, refused=refused, exited=exited, status=status, idle_closed=closed.get('idle'),
                    streams_closed=closed.get('stream'), unclosed=watcher.open, cut=watcher.cut, shutdown_done=ended)
    finally:
        c.close()


def ms(v):
    return '-' if v is None else '%.0f' % v


def use(args):
    global CHECKOUT
    CHECKOUT = os.path.abspath(args.checkout or ROOT)
    return '%s at %s' % (CHECKOUT, subprocess.run(['git', '-C', CHECKOUT, 'rev-parse', '--short', 'HEAD'],
                                                  capture_output=True, text=True).stdout.strip() or '?')


def shutdown(args):
    print('shutdown timings (ms after SIGTERM) of %s; %s' % (use(args), machine()))
    for name, streams, idle, drain in SHUTDOWN_CASES:
        if args.case and args.case not in name:
            continue
        runs = [shutdown_run(streams, idle, drain) for _ in range(args.runs)]
        for i, r in enumerate(runs, 1):
            print('  %-26s run %d: load %.2f  refused %s  idle closed %s  streams closed %s (cut %d, '
                  'onDone(SERVER_SHUTDOWN) %d, left open %d)  exited %s  status %s'
                  % (name, i, r['load'], ms(r['refused']), ms(r['idle_closed']), ms(r['streams_closed']), r['cut'],
                     r['shutdown_done'], r['unclosed'], ms(r['exited']), r['status']))
        medians = {k: statistics.median([r[k] for r in runs]) if all(r[k] is not None for r in runs) else None
                   for k in ('refused', 'exited')}
        print('  %-26s MEDIAN: refused %s  exited %s  statuses %s' % (
            name, ms(medians['refused']), ms(medians['exited']), sorted({str(r['status']) for r in runs})))


class Load:
    """8 keep-alive clients sending GET /hello back to back, and a probe connecting every ~5 ms."""

    def __init__(self, port, clients=8):
        self.port = port
        self.lock = threading.Lock()
        self.answers = {'200': 0, '503': 0, 'failed': 0, 'idle close': 0}  # and any other status seen
        self.failures = []
        self.slowest = 0.0
        self.refused_windows = []
        self.running = True
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(clients)]
        self.threads.append(threading.Thread(target=self.probe, daemon=True))
        for t in self.threads:
            t.start()

    def count(self, what, failure=None):
        with self.lock:
            self.answers[what] = self.answers.get(what, 0) + 1
            if failure and len(self.failures) < 10:
                self.failures.append(failure)

    def probe(self):
        first = None
        while self.running:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    pass
                if first is not None:
                    self.refused_windows.append((time.monotonic() - first) * 1000)
                    first = None
            except ConnectionRefusedError:
                first = first or time.monotonic()
            except OSError:
                pass
            time.sleep(0.005)

    def client(self):
        while self.running:
            try:
                s = connect(self.port)
            except ConnectionRefusedError:
                time.sleep(0.005)
                continue
            except OSError as e:
                self.count('failed', 'connect: %r' % e)
                time.sleep(0.005)
                continue
            with s, s.makefile('rb') as f:
                reused = False
                while self.running:
                    sent = time.monotonic()
                    try:
                        s.sendall(HELLO)
                        line = f.readline()
                    except OSError as e:
                        line, error = b'', e
                    else:
                        error = None
                    if not line:
                        if reused:
                            self.count('idle close')
                        else:
                            self.count('failed', 'no response on a new connection: %r' % error)
                        break
                    try:
                        status, close = read_response(line, f)
                    except (OSError, ValueError) as e:
                        self.count('failed', 'response cut short: %r' % e)
                        break
                    took = (time.monotonic() - sent) * 1000
                    with self.lock:
                        self.slowest = max(self.slowest, took)
                    self.count(status)
                    if close:
                        break
                    reused = True

    def ok(self):
        with self.lock:
            return self.answers['200']

    def close(self):
        self.running = False
        for t in self.threads:
            t.join(15)


def read_response(status_line, f):
    """Reads the rest of one response after its status line; (status, whether the server closes)."""
    parts = status_line.split()
    if len(parts) < 2 or not status_line.endswith(b'\n'):
        raise ValueError('bad status line %r' % status_line)
    length, chunked, close = 0, False, False
    while True:
        line = f.readline()
        if not line.endswith(b'\n'):
            raise ValueError('head cut short')
        if line in (b'\r\n', b'\n'):
            break
        name, _, value = line.decode('latin-1').partition(':')
        name, value = name.strip().lower(), value.strip().lower()
        if name == 'content-length':
            length = int(value)
        elif name == 'transfer-encoding' and value.endswith('chunked'):
            chunked = True
        elif name == 'connection' and value == 'close':
            close = True
    if chunked:
        while True:
            size = int(f.readline().split(b';')[0], 16)
            body = f.read(size + 2)
            if len(body) != size + 2:
                raise ValueError('chunk cut short')
            if size == 0:
                break
    elif len(f.read(length)) != length:
        raise ValueError('body cut short')
    return parts[1].decode(), close


def refresh_run():
    c = Container('spindle-refresh-', console=True)
    try:
        c.start()
        api = re.search(r'(?m)^\s*(\d+)\|\w+\s*\|\s*\d+\|Spindle API ', c.command('lb'))
        if not api:
            raise RuntimeError('lb does not list the Spindle API bundle')
        listening = c.log_text().count('Spindle listening on')
        load = Load(c.port)
        try:
            time.sleep(1)
            served_before = load.ok()
            la = load_average()
            started = time.monotonic()
            c.command('update ' + api.group(1))
            c.command('refresh ' + api.group(1))
            while c.log_text().count('Spindle listening on') <= listening and time.monotonic() - started < 30:
                time.sleep(0.05)
            back = (time.monotonic() - started) * 1000 if c.log_text().count('Spindle listening on') > listening \
                else None
            after = load.ok()
            settle = time.monotonic()
            while time.monotonic() - settle < 2 or (load.ok() < after + 100 and time.monotonic() - settle < 10):
                time.sleep(0.05)
        finally:
            load.close()
        log = c.log_text()
        return dict(load=la, before=served_before, back=back, window=max(load.refused_windows, default=0.0),
                    windows=len(load.refused_windows), slowest=load.slowest, answers=dict(load.answers),
                    failures=load.failures, rejected=log.count('RejectedExecutionException'),
                    busy=log.count('still busy after'))
    finally:
        c.close()


def refresh(args):
    print('update + refresh of the API bundle under 8 keep-alive clients, %s; %s' % (use(args), machine()))
    runs = [refresh_run() for _ in range(args.runs)]
    for i, r in enumerate(runs, 1):
        a = dict(r['answers'])
        counts = ' '.join('%s=%d' % (k, a.pop(k)) for k in ('200', '503'))
        other = ' '.join('%s=%d' % kv for kv in sorted(a.items()) if kv[0] not in ('failed', 'idle close'))
        print('  run %d: load %.2f  (200s in the 1 s before: %d)  no listener for %.0f ms (%d window(s))  slowest request %.0f ms  '
              '%s other: %s  failed=%d idle-closes=%d  update sent -> listening again %s ms  '
              'log: RejectedExecutionException %d, "still busy after" %d%s'
              % (i, r['load'], r['before'], r['window'], r['windows'], r['slowest'], counts, other or 'none', a['failed'],
                 a['idle close'], ms(r['back']), r['rejected'], r['busy'],
                 ('  failures: %s' % r['failures']) if r['failures'] else ''))
    print('  MEDIAN: no listener for %.0f ms, slowest request %.0f ms'
          % (statistics.median(r['window'] for r in runs), statistics.median(r['slowest'] for r in runs)))
