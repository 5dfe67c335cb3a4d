#!/usr/bin/env python3
"""The HTTP/2 benchmark's runner (bench/h2.sh builds everything, then calls this; a benchmark, never
a test). It sits outside Spindle's data path: it starts each server in turn pinned to one core, drives
it with h2load from the other, and reads CPU times from /proc.

  run.py --cert C --key K --out DIR [--rounds 3] [--duration 4] [--warmup 1] [--process-warmup 12]
         [--streams 16] [--only NAME,...] SERVER_SPECS...

Each round starts every server process in the order given (A B C, A B C, ... as ../shared/bench's
run.sh): pinned to SERVER_CPU, polled until every protocol it serves answers GET /hello and
GET /stream with 200, warmed up (--process-warmup seconds over all its cases, for the JIT), then per
case h2load -c 16 -m STREAMS -t 1 (--streams, 16 by default; 1 sends each request alone, so each
response is a TLS record of its own) for --warmup seconds (discarded) and --duration seconds (measured),
pinned to CLIENT_CPU; then the server is stopped (SIGTERM to its session, SIGKILL after 10 s).

A case is a protocol (h2c, or h2 over TLS with a provider: h2-jdk, h2-openssl) and a path
(/hello, /stream). Each measured run records: requests per second (succeeded / duration), MB/s,
the server's CPU (all processes of its session, user + system) as % of one core and per request in
microseconds, h2load's CPU share, and the CPU the rest of the machine used meanwhile (noise).
Writes DIR/meta.txt, DIR/runs.tsv (one row per measured run), DIR/summary.txt (medians over rounds,
ratios Spindle / each peer for the same case) and DIR/h2load.txt (h2load's own output).
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SERVER_CPU = os.environ.get('SERVER_CPU', '0')
CLIENT_CPU = os.environ.get('CLIENT_CPU', '1')
HZ = os.sysconf('SC_CLK_TCK')
PATHS = ('/hello', '/stream')
COLUMNS = ('round', 'server', 'protocol', 'path', 'rps', 'MBps', 'srv_cpu', 'srv_us_per_req', 'client_cpu',
           'other_cpu', 'mean_ms', 'sd_ms', 'failed', 'protocol_seen')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Spec:
    """NAME:PROTOCOLS=COMMAND, e.g. vertx-jdk:h2c,h2-jdk='java -jar vertx-h2.jar $H2C_PORT $TLS_PORT ...'.
    The first protocol names the case set; $H2C_PORT and $TLS_PORT are fresh free ports per start."""

    def __init__(self, text):
        head, self.command = text.split('=', 1)
        self.name, protocols = head.split(':')
        self.protocols = protocols.split(',')
        self.peer = self.name.split('-')[0]  # spindle-jdk -> spindle: one column per server kind
        for p in self.protocols:
            if p != 'h2c' and not p.startswith('h2-'):
                raise SystemExit('run.py: protocol must be h2c or h2-PROVIDER, not %s' % p)


def url(protocol, ports, path):
    return ('http://127.0.0.1:%d%s' % (ports['H2C_PORT'], path) if protocol == 'h2c'
            else 'https://127.0.0.1:%d%s' % (ports['TLS_PORT'], path))


def session_ticks(sid):
    """utime + stime of every process of session sid, in clock ticks."""
    total = 0
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            total += int(fields[11]) + int(fields[12])
    return total


def machine_ticks():
    with open('/proc/stat') as f:
        cpu = f.readline().split()
    return sum(int(cpu[i]) for i in (1, 2, 3, 6, 7, 8))  # user nice system irq softirq steal


def answers(protocol, ports, path):
    flags = ['--http2-prior-knowledge'] if protocol == 'h2c' else ['-k', '--http2']
    r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', '--max-time', '2']
                       + flags + [url(protocol, ports, path)], capture_output=True, text=True)
    return r.stdout.strip()


STREAMS = '16'


def h2load(target, seconds, log=None):
    """One h2load run pinned to the client's core: (its output, its CPU seconds)."""
    with tempfile.TemporaryFile(mode='w+') as out:
        p = subprocess.Popen(['timeout', '-k', '5', str(int(seconds) + 30), 'taskset', '-c', CLIENT_CPU, 'h2load',
                              '-c', '16', '-m', STREAMS, '-t', '1', '-D', '%dms' % (seconds * 1000), target],
                             stdout=out, stderr=subprocess.STDOUT)
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = 0
        out.seek(0)
        text = out.read()
    if log:
        log.write(text)
    return text, usage.ru_utime + usage.ru_stime


def parse(text):
    m = re.search(r'finished in ([\d.]+)(m?s)', text)
    seconds = float(m.group(1)) / (1000 if m.group(2) == 'ms' else 1) if m else 0
    req = re.search(r'requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored', text)
    traffic = re.search(r'traffic: \S+ \((\d+)\) total', text)
    timing = re.search(r'time for request:\s+\S+\s+\S+\s+(\S+)\s+(\S+)', text)
    proto = re.search(r'Application protocol: (\S+)', text)
    if not (seconds and req and traffic):
        return None

    def ms(v):
        n = float(re.match(r'[\d.]+', v).group(0))
        return n / 1000 if v.endswith('us') else n * 1000 if v.endswith('s') and not v.endswith('ms') else n

    return {'seconds': seconds, 'ok': int(req.group(1)), 'failed': int(req.group(2)) + int(req.group(3)),
            'bytes': int(traffic.group(1)), 'mean_ms': ms(timing.group(1)) if timing else 0,
            'sd_ms': ms(timing.group(2)) if timing else 0, 'protocol': proto.group(1) if proto else '?'}


class Server:
    def __init__(self, spec, logdir, rnd, port_names=('H2C_PORT', 'TLS_PORT')):  # bench/ws/run.py: ('PORT',)
        self.spec = spec
        self.ports = {name: free_port() for name in port_names}
        env = dict(os.environ, **{k: str(v) for k, v in self.ports.items()})
        self.log = open(os.path.join(logdir, spec.name + '.log'), 'a')
        self.log.write('=== round %d: %s %s\n' % (rnd, spec.command, self.ports))
        self.log.flush()
        self.proc = subprocess.Popen(['setsid', 'taskset', '-c', SERVER_CPU, 'bash', '-c', spec.command], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.sid = self.proc.pid  # setsid execs in the child: its PID is the session's id

    def ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return 'exited with %s' % self.proc.returncode
            if all(answers(p, self.ports, '/hello').startswith('200 2') for p in self.spec.protocols):
                bad = ['%s %s -> %s' % (p, path, a) for p in self.spec.protocols for path in PATHS
                       for a in [answers(p, self.ports, path)] if not a.startswith('200 2')]
                return '; '.join(bad) or None
            time.sleep(0.2)
        return 'no answer within %d s' % timeout

    def stop(self):
        try:
            os.killpg(self.sid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.sid, signal.SIGKILL)
            self.proc.wait()
        deadline = time.monotonic() + 10  # the session's other processes (none expected) go too
        while session_ticks(self.sid) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.log.close()


def measure(server, protocol, path, seconds, log):
    target = url(protocol, server.ports, path)
    log.write('\n### %s %s %s\n' % (server.spec.name, protocol, target))
    t0, m0, s0 = time.monotonic(), machine_ticks(), session_ticks(server.sid)
    text, client_seconds = h2load(target, seconds, log)
    t1, m1, s1 = time.monotonic(), machine_ticks(), session_ticks(server.sid)
    r = parse(text)
    if r is None:
        return None
    wall = t1 - t0
    srv = (s1 - s0) / HZ
    rps = r['ok'] / r['seconds']
    return {'rps': round(rps), 'MBps': round(r['bytes'] / r['seconds'] / 1e6, 1),
            'srv_cpu': round(100 * srv / wall), 'srv_us_per_req': round(srv / r['ok'] * 1e6, 2) if r['ok'] else 0,
            'client_cpu': round(100 * client_seconds / wall),
            'other_cpu': max(0, round(100 * ((m1 - m0) / HZ - srv - client_seconds) / wall)),
            'mean_ms': round(r['mean_ms'], 2), 'sd_ms': round(r['sd_ms'], 2), 'failed': r['failed'],
            'protocol_seen': r['protocol']}


def cases(spec):
    return [(p, path) for p in spec.protocols for path in PATHS]


def run(args, specs):
    logdir = args.logs or args.out
    os.makedirs(logdir, exist_ok=True)
    tsv = os.path.join(args.out, 'runs.tsv')
    with open(tsv, 'w') as f:
        f.write('\t'.join(COLUMNS) + '\n')
    log = open(os.path.join(args.out, 'h2load.txt'), 'w')
    for rnd in range(1, args.rounds + 1):
        for spec in specs:
            server = Server(spec, logdir, rnd)
            try:
                problem = server.ready()
                if problem:
                    print('[r%d] %-16s FAILED to start: %s (see %s)' % (rnd, spec.name, problem, logdir), flush=True)
                    continue
                share = args.process_warmup / len(cases(spec))
                for protocol, path in cases(spec):  # the JIT's warm-up, over everything this process serves
                    h2load(url(protocol, server.ports, path), share)
                for protocol, path in cases(spec):
                    if args.warmup:
                        h2load(url(protocol, server.ports, path), args.warmup)
                    m = measure(server, protocol, path, args.duration, log)
                    tag = '[r%d] %-16s %-10s %-7s' % (rnd, spec.name, protocol, path)
                    if m is None:
                        print(tag, 'h2load produced no result (see h2load.txt)', flush=True)
                        continue
                    row = dict(m, round=rnd, server=spec.peer, protocol=protocol, path=path)
                    with open(tsv, 'a') as f:
                        f.write('\t'.join(str(row[c]) for c in COLUMNS) + '\n')
                    print('%s rps=%7d %7.1f MB/s srv=%3d%% %6.2fus/req h2load=%3d%% other=%3d%% mean=%.2fms%s%s' % (
                        tag, m['rps'], m['MBps'], m['srv_cpu'], m['srv_us_per_req'], m['client_cpu'], m['other_cpu'],
                        m['mean_ms'], '  FAILED=%d' % m['failed'] if m['failed'] else '',
                        '' if m['protocol_seen'] in ('h2', 'h2c') else '  PROTOCOL=' + m['protocol_seen']),
                        flush=True)
            finally:
                server.stop()
    log.close()
    return tsv


def summary(tsv, out):
    rows = []
    with open(tsv) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            rows.append(dict(zip(header, line.rstrip('\n').split('\t'))))
    groups, stalled = {}, {}
    for r in rows:  # a run in which no request completed is counted aside, not as a rate of 0
        key = (r['protocol'], r['path'], r['server'])
        if float(r['rps']) > 0:
            groups.setdefault(key, []).append(r)
        else:
            stalled[key] = stalled.get(key, 0) + 1

    def med(key, column):
        return statistics.median(float(r[column]) for r in groups[key])

    lines = ['%-10s %-7s %-8s %8s %17s %7s %8s %6s %6s %6s  %s' % (
        'protocol', 'path', 'server', 'rps(med)', 'rps min..max', 'MB/s', 'us/req', 'srv%', 'h2ld%', 'other%',
        'Spindle / this server: rps, CPU per request')]
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] != 'spindle', k[2])):
        protocol, path, server = key
        rps = [float(r['rps']) for r in groups[key]]
        ratio = ''
        spindle = (protocol, path, 'spindle')
        if server != 'spindle' and spindle in groups:
            ratio = 'x%.2f rps, x%.2f CPU/req' % (med(spindle, 'rps') / med(key, 'rps'),
                                                  med(spindle, 'srv_us_per_req') / med(key, 'srv_us_per_req'))
        lines.append('%-10s %-7s %-8s %8.0f %8.0f..%-8.0f %7.1f %8.2f %6.0f %6.0f %6.0f  %s' % (
            protocol, path, server, statistics.median(rps), min(rps), max(rps), med(key, 'MBps'),
            med(key, 'srv_us_per_req'), med(key, 'srv_cpu'), med(key, 'client_cpu'),
            max(float(r['other_cpu']) for r in groups[key]),
            ratio + ('  (%d more runs with no request done)' % stalled[key] if key in stalled else '')))
    for path in PATHS:
        jdk, ossl = ('h2-jdk', path, 'spindle'), ('h2-openssl', path, 'spindle')
        if jdk in groups and ossl in groups:
            lines.append('Spindle h2 %s: openssl / jdk x%.2f rps, x%.2f CPU/req' % (
                path, med(ossl, 'rps') / med(jdk, 'rps'), med(ossl, 'srv_us_per_req') / med(jdk, 'srv_us_per_req')))
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(out, 'summary.txt'), 'w') as f:
        f.write(text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    ap.add_argument('--logs', help='where the servers\' logs go (default: --out)')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--duration', type=float, default=4)
    ap.add_argument('--warmup', type=float, default=1)
    ap.add_argument('--process-warmup', type=float, default=12)
    ap.add_argument('--streams', type=int, default=16, help='h2load -m: requests in flight per connection')
    ap.add_argument('--only', help='comma-separated spec names to run (default: all)')
    ap.add_argument('--summary-only', action='store_true', help='only summarise --out/runs.tsv')
    ap.add_argument('specs', nargs='*')
    args = ap.parse_args()
    if args.summary_only:
        print(summary(os.path.join(args.out, 'runs.tsv'), args.out), end='')
        return
    global STREAMS
    STREAMS = str(args.streams)
    specs = [Spec(s) for s in args.specs]
    if args.only:
        wanted = args.only.split(',')
        specs = [s for s in specs if s.name in wanted]
    if not specs:
        sys.exit('run.py: no servers to run')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'meta.txt'), 'a') as f:
        for s in specs:
            f.write('# %s (%s): %s\n' % (s.name, ','.join(s.protocols), s.command))
    tsv = run(args, specs)
    print()
    print(summary(tsv, args.out), end='')


if __name__ == '__main__':
    main()
