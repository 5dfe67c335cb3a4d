#!/usr/bin/env python3
"""The WebSocket benchmark's runner (bench/ws.sh builds everything, then calls this; a benchmark,
never a test). Outside Spindle's data path: it starts each server in turn pinned to SERVER_CPU
(bench/h2/run.py's Server), drives it with the load client (ws-load.jar, pinned to CLIENT_CPU) and
reads the server's CPU time from /proc between the client's "begin CASE" and "result CASE" lines.

  run.py --load JAR --out DIR [--rounds 3] [--duration 5] [--warmup 8] [--client 'WS-LOAD OPTIONS']
         [--only NAME,...] SERVER_SPECS...

A server spec is NAME=COMMAND, with $PORT a fresh free port per start. Each round starts every
server in the order given; per server one client process runs both cases (echo, then broadcast),
each warmed up for --warmup seconds (discarded) and measured for --duration seconds.
Writes DIR/runs.tsv (one row per measured case), DIR/summary.txt (medians over rounds, ratios
Spindle / each peer) and DIR/client.txt (the client's own output).
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'h2'))
from run import CLIENT_CPU, HZ, Server, machine_ticks, session_ticks  # noqa: E402  (bench/h2/run.py)

COLUMNS = ('round', 'server', 'case', 'rate', 'deliveries', 'srv_cpu', 'srv_us_per_delivery', 'client_cpu',
           'other_cpu', 'mean_us')
UNITS = {'echo': 'round trips/s', 'broadcast': 'broadcasts/s'}


class Spec:
    def __init__(self, text):
        self.name, self.command = text.split('=', 1)
        self.peer = self.name


def upgrades(port):
    """True once the server answers a WebSocket handshake on /ws/echo with 101."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=2) as s:
            s.sendall(b'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                      b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
            return s.recv(64).startswith(b'HTTP/1.1 101')
    except OSError:
        return False


def ready(server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return 'exited with %s' % server.proc.returncode
        if upgrades(server.ports['PORT']):
            return None
        time.sleep(0.2)
    return 'no 101 within %d s' % timeout


def drive(args, server, rnd, log):
    """Runs the client against the server; yields one row per measured case."""
    command = ['timeout', '-k', '5', str(int(2 * (args.warmup + args.duration)) + 90), 'taskset', '-c', CLIENT_CPU,
               os.environ.get('JAVA', 'java')] + os.environ.get('JAVA_OPTS', '').split() + [
        '-jar', args.load, str(server.ports['PORT']), '--warmup', str(args.warmup), '--duration', str(args.duration)] + args.client.split()
    log.write('\n### round %d %s: %s\n' % (rnd, server.spec.name, ' '.join(command)))
    client = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    begin = None
    for line in client.stdout:
        log.write(line)
        if line.startswith('begin '):
            begin = time.monotonic(), machine_ticks(), session_ticks(server.sid)
        elif line.startswith('result ') and begin:
            t1, m1, s1 = time.monotonic(), machine_ticks(), session_ticks(server.sid)
            t0, m0, s0 = begin
            case = line.split()[1]
            r = {k: float(v) for k, v in re.findall(r'(\w+)=([\d.]+)', line)}
            wall, srv = t1 - t0, (s1 - s0) / HZ
            client_cpu = r['client_cpu'] / 100 * wall
            yield {'round': rnd, 'server': server.spec.peer, 'case': case, 'rate': round(r['rate']),
                   'deliveries': round(r['deliveries']), 'srv_cpu': round(100 * srv / wall),
                   'srv_us_per_delivery': round(srv / (r['deliveries'] * wall) * 1e6, 2) if r['deliveries'] else 0,
                   'client_cpu': round(r['client_cpu']),
                   'other_cpu': max(0, round(100 * ((m1 - m0) / HZ - srv - client_cpu) / wall)),
                   'mean_us': r['mean_us']}
    if client.wait() != 0:
        print('[r%d] %-8s the client failed (exit %d, see client.txt)' % (rnd, server.spec.name, client.returncode))


def run(args, specs):
    logdir = args.logs or args.out
    os.makedirs(logdir, exist_ok=True)
    tsv = os.path.join(args.out, 'runs.tsv')
    with open(tsv, 'w') as f:
        f.write('\t'.join(COLUMNS) + '\n')
    with open(os.path.join(args.out, 'client.txt'), 'w') as log:
        for rnd in range(1, args.rounds + 1):
            for spec in specs:
                server = Server(spec, logdir, rnd, port_names=('PORT',))
                try:
                    problem = ready(server)
                    if problem:
                        print('[r%d] %-8s FAILED to start: %s (see %s)' % (rnd, spec.name, problem, logdir), flush=True)
                        continue
                    for row in drive(args, server, rnd, log):
                        with open(tsv, 'a') as f:
                            f.write('\t'.join(str(row[c]) for c in COLUMNS) + '\n')
                        print('[r%d] %-8s %-9s %8d %-13s %9d deliveries/s srv=%3d%% %5.2fus/delivery client=%3d%%'
                              ' other=%3d%% mean=%.0fus' % (
                                  rnd, spec.name, row['case'], row['rate'], UNITS[row['case']], row['deliveries'],
                                  row['srv_cpu'], row['srv_us_per_delivery'], row['client_cpu'], row['other_cpu'],
                                  row['mean_us']), flush=True)
                finally:
                    server.stop()
    return tsv


def summary(tsv, out):
    groups = {}
    with open(tsv) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            r = dict(zip(header, line.rstrip('\n').split('\t')))
            if float(r['rate']) > 0:
                groups.setdefault((r['case'], r['server']), []).append(r)

    def med(key, column):
        return statistics.median(float(r[column]) for r in groups[key])

    lines = ['%-9s %-8s %10s %19s %13s %8s %5s %7s %7s  %s' % (
        'case', 'server', 'rate(med)', 'rate min..max', 'deliveries/s', 'us/dlv', 'srv%', 'client%', 'mean_us',
        'Spindle / this server: rate, CPU per delivery')]
    for key in sorted(groups, key=lambda k: (k[0] != 'echo', k[0], k[1] != 'spindle', k[1])):
        case, server = key
        rates = [float(r['rate']) for r in groups[key]]
        ratio = ''
        spindle = (case, 'spindle')
        if server != 'spindle' and spindle in groups:
            ratio = 'x%.2f rate, x%.2f CPU/delivery' % (med(spindle, 'rate') / med(key, 'rate'),
                                                         med(spindle, 'srv_us_per_delivery') / med(key, 'srv_us_per_delivery'))
        lines.append('%-9s %-8s %10.0f %9.0f..%-9.0f %13.0f %8.2f %5.0f %7.0f %7.0f  %s' % (
            case, server, statistics.median(rates), min(rates), max(rates), med(key, 'deliveries'),
            med(key, 'srv_us_per_delivery'), med(key, 'srv_cpu'), med(key, 'client_cpu'), med(key, 'mean_us'), ratio))
    text = '\n'.join(lines) + '\n'
    with open(os.path.join(out, 'summary.txt'), 'w') as f:
        f.write(text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--load', help='the load client, ws-load.jar')
    ap.add_argument('--out', required=True)
    ap.add_argument('--logs', help='where the servers\' logs go (default: --out)')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--duration', type=float, default=5)
    ap.add_argument('--warmup', type=float, default=8)
    ap.add_argument('--client', default='', help='more options for ws-load.jar, e.g. "--echo-depth 8"')
    ap.add_argument('--only', help='comma-separated server names to run (default: all)')
    ap.add_argument('--summary-only', action='store_true', help='only summarise --out/runs.tsv')
    ap.add_argument('specs', nargs='*')
    args = ap.parse_args()
    if args.summary_only:
        print(summary(os.path.join(args.out, 'runs.tsv'), args.out), end='')
        return
    specs = [Spec(s) for s in args.specs]
    if args.only:
        specs = [s for s in specs if s.name in args.only.split(',')]
    if not specs or not args.load:
        sys.exit('run.py: needs --load and at least one server')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'meta.txt'), 'a') as f:
        for s in specs:
            f.write('# %s: %s\n' % (s.name, s.command))
    tsv = run(args, specs)
    print()
    print(summary(tsv, args.out), end='')


if __name__ == '__main__':
    main()
