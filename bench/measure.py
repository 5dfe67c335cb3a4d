#!/usr/bin/env python3
"""Container measurements for BENCHMARKS.md (benchmarks, never run by the test suite).

  bench/measure.py hotdeploy [--updates 10] [--seconds 20]
  bench/measure.py echo [--gib 1]
  bench/measure.py soak [--seconds 20]
  bench/measure.py startup [--runs 5] [--floor]
  bench/measure.py shutdown [--runs 3] [--case TEXT] [--checkout DIR]
  bench/measure.py refresh [--runs 3] [--checkout DIR]

Each runs a private copy of the assembled container (distribution/target/spindle) on a free
loopback port, with the JVM flags of ./spindle, and measures:

  hotdeploy  with the test-only swap handler (itests/swap-handler):
             1. start -> first answer on the port;
             2. drop -> served: from a new version of the handler jar landing in deploy/ (copied
                aside, then renamed) to the first request answered by that version (2 ms polls);
             3. latency under steady load vs. under updates: wrk (16 connections, no pipelining)
                against /swap for --seconds, first with no update, then while the jar is
                replaced every 2 s.
  echo       streams --gib GiB through the echo sample and samples the container's RSS every
             0.5 s: backpressure keeps it flat.
  soak       --seconds of mixed traffic (wrk on /hello), malformed requests on new connections and
             a handler redeployed every 2 s, sampling RSS and open file descriptors every 5 s:
             both should stay flat.

  startup    --runs first starts of a fresh copy (which record ./spindle's class data sharing
             archive) and as many restarts (which map it): launch -> first GET /hello served
             (10 ms polls), and RSS one second later, with no traffic in between.
             --floor: each run also starts (first start, then restart) a copy without Spindle's
             bundles (API, host, dashboard, the samples and the Gson of the JSON sample), the rest
             of the stack as it is (Felix, SCR, ConfigAdmin, FileInstall, Gogo, pax-logging with
             Spindle's logging fragment, Netty's bundles), where FileInstall deploys a probe bundle
             (bench/floor/probe) that answers from a JDK socket: the least any container of this
             stack takes to a first request, and its idle RSS.

  shutdown   SIGTERM with idle keep-alive connections and endless event streams open: time until
             new connections are refused and until the process exits, its exit status.
  refresh    update + refresh of the API bundle under 8 keep-alive clients: the longest time
             without a listener, the slowest request, the answers by status.
             (Both in bench/lifecycle.py, which describes them in full.)

  idle       --connections keep-alive connections (5000), each having had one GET /hello answered,
             left idle: RSS before, with them open, and 2 s and 10 s after they closed, for the
             container (./spindle's JVM flags) beside the peers of ../shared/bench (raw Netty and
             Vert.x with the same JVM flags, Node), one server at a time on CPU 0. Needs the peers
             built (bench/run.sh builds them into $BENCH_WORK/peers). Node closes a connection idle
             for 5 s: the connections are counted within 3 s of the first being opened.
             --java-opts "FLAGS" runs the container (as JAVA_OPTS) and the JVM peers with FLAGS.

Needs wrk (bench/run.sh installs it), curl, and a built project (mvn install -DskipTests).
"""
import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def versioned_jar(source, version, target):
    """The swap handler jar with its Bundle-Version rewritten."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == 'META-INF/MANIFEST.MF':
                data = re.sub(rb'Bundle-Version: [^\r\n]+', b'Bundle-Version: ' + version.encode(), data)
            zout.writestr(item, data)


def served(port, path='/swap'):
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        c.request('GET', path)
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return body if r.status == 200 else 'status %d' % r.status
    except OSError:
        return None


def drop(jar, deploy):
    part = os.path.join(deploy, '.swap.jar.part')
    shutil.copy(jar, part)
    start = time.monotonic()
    os.rename(part, os.path.join(deploy, 'swap.jar'))
    return start


def wrk(port, seconds):
    out = subprocess.run(['wrk', '-t1', '-c16', '-d%ds' % seconds, '--latency', '-s',
                          os.path.join(ROOT, '..', 'shared', 'bench', 'report.lua'),
                          'http://127.0.0.1:%d/swap' % port], capture_output=True, text=True, check=True).stdout
    result = dict(kv.split('=') for kv in re.search(r'RESULT (.*)', out).group(1).split())
    return {k: int(v) for k, v in result.items()}


def container(work):
    """A copy of the container on a free loopback port: (home, port)."""
    home = os.path.join(work, 'container')
    shutil.copytree(os.path.join(ROOT, 'distribution', 'target', 'spindle'), home)
    port = free_port()
    cfg = os.path.join(home, 'config', 'dev.spindle.host.cfg')
    text = open(cfg).read()
    text = re.sub(r'(?m)^port\s*=.*$', 'port = %d' % port, text)
    text = re.sub(r'(?m)^bindAddress\s*=.*$', 'bindAddress = 127.0.0.1', text)
    text = re.sub(r'(?m)^tlsPort\s*=.*$', 'tlsPort = 0', text)  # cleartext measurements only
    open(cfg, 'w').write(text)
    open(os.path.join(home, 'config', 'dev.spindle.console.cfg'), 'w').write('port = 0\n')
    return home, port


def start(work, home):
    """The container as ./spindle --background runs it (its JVM flags, its class data sharing archive)."""
    env = dict(os.environ, SPINDLE_HOME=home)
    env.pop('JAVA_OPTS', None)
    return subprocess.Popen([os.path.join(ROOT, 'spindle'), '--background'], env=env,
                            stdout=open(os.path.join(work, 'container.log'), 'a'),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def rss_mib(pid):
    with open('/proc/%d/status' % pid) as f:
        return int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1)) / 1024


def echo(args):
    work = tempfile.mkdtemp(prefix='spindle-echo-')
    home, port = container(work)
    felix = start(work, home)
    try:
        while served(port, '/hello') is None:
            time.sleep(0.01)
        time.sleep(1)
        idle = rss_mib(felix.pid)
        size = args.gib << 30
        curl = subprocess.Popen('head -c %d /dev/zero | curl -s -T - -H "Content-Type: application/octet-stream" '
                                '-w "%%{size_download} %%{http_code}" -o /dev/null http://127.0.0.1:%d/echo' % (size, port),
                                shell=True, stdout=subprocess.PIPE, text=True)
        samples = []
        t0 = time.monotonic()
        while curl.poll() is None:
            samples.append(rss_mib(felix.pid))
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        echoed, status = curl.stdout.read().split()
    finally:
        felix.terminate()
        felix.wait(30)
    print('echo of %d GiB: status %s, %s bytes back in %.1f s (%.0f MB/s each way)'
          % (args.gib, status, echoed, elapsed, size / elapsed / 1e6))
    print('container RSS: idle %.0f MiB; during the transfer min %.0f, median %.0f, max %.0f MiB (%d samples)'
          % (idle, min(samples), statistics.median(samples), max(samples), len(samples)))
    shutil.rmtree(work, ignore_errors=True)


BAD_REQUESTS = [
    b'GET / HTTP/1.1\r\n\r\n',
    b'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    b'GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n',
    b'GET /' + b'a' * 9000 + b' HTTP/1.1\r\nHost: t\r\n\r\n',
    b'G(E)T / HTTP/1.1\r\nHost: t\r\n\r\n',
    b'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
]


def open_fds(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def soak(args):
    work = tempfile.mkdtemp(prefix='spindle-soak-')
    home, port = container(work)
    swap = [f for f in os.listdir(os.path.join(ROOT, 'itests', 'swap-handler', 'target'))
            if re.match(r'spindle-swap-handler-.*\.jar$', f)][0]
    jars = {}
    for v in ('1.0.0', '2.0.0'):
        jars[v] = os.path.join(work, 'swap-%s.jar' % v)
        versioned_jar(os.path.join(ROOT, 'itests', 'swap-handler', 'target', swap), v, jars[v])
    deploy = os.path.join(home, 'deploy')
    drop(jars['1.0.0'], deploy)
    felix = start(work, home)
    stop = threading.Event()
    counts = {'bad': 0, 'updates': 0}
    try:
        while served(port, '/swap') != 'version=1.0.0':
            time.sleep(0.01)

        def bad():
            i = 0
            while not stop.wait(0.02):
                with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
                    s.sendall(BAD_REQUESTS[i % len(BAD_REQUESTS)])
                    try:
                        while s.recv(4096):
                            pass
                    except OSError:
                        pass
                counts['bad'] += 1
                i += 1

        def redeploy():
            cur = '1.0.0'
            while not stop.wait(2.0):
                cur = '2.0.0' if cur == '1.0.0' else '1.0.0'
                drop(jars[cur], deploy)
                counts['updates'] += 1

        threads = [threading.Thread(target=bad), threading.Thread(target=redeploy)]
        for t in threads:
            t.start()
        samples = []
        load = subprocess.Popen(['wrk', '-t1', '-c16', '-d%ds' % args.seconds, '-s',
                                 os.path.join(ROOT, '..', 'shared', 'bench', 'report.lua'),
                                 'http://127.0.0.1:%d/hello' % port], stdout=subprocess.PIPE, text=True)
        while load.poll() is None:
            samples.append((rss_mib(felix.pid), open_fds(felix.pid)))
            time.sleep(5)
        stop.set()
        for t in threads:
            t.join()
        result = dict(kv.split('=') for kv in re.search(r'RESULT (.*)', load.stdout.read()).group(1).split())
        health = served(port, '/hello')
    finally:
        felix.terminate()
        felix.wait(30)
    rss = [r for r, _ in samples]
    fds = [f for _, f in samples]
    print('soak of %d s: %s requests to /hello (errors %s, non-2xx %s), %d malformed requests, %d redeploys; '
          'then /hello answered %r' % (args.seconds, result['requests'], result['errors'], result['non2xx'],
                                       counts['bad'], counts['updates'], health))
    print('RSS MiB every 5 s:  ' + ' '.join('%.0f' % r for r in rss))
    print('open fds every 5 s: ' + ' '.join('%d' % f for f in fds))
    shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('what', choices=['hotdeploy', 'echo', 'soak', 'startup', 'shutdown', 'refresh', 'idle'])
    p.add_argument('--connections', type=int, default=5000)
    p.add_argument('--only', help='idle: only these servers (comma-separated: spindle,netty,vertx,node)')
    p.add_argument('--java-opts', help="idle: these JVM flags for the container (as JAVA_OPTS) and the JVM peers "
                                       "instead of ./spindle's defaults")
    p.add_argument('--runs', type=int, help='startup: 5; shutdown (per case), refresh: 3')
    p.add_argument('--updates', type=int, default=10)
    p.add_argument('--seconds', type=int, default=20)
    p.add_argument('--gib', type=int, default=1)
    p.add_argument('--checkout', help='shutdown, refresh: measure the container built in another checkout')
    p.add_argument('--case', help='shutdown: only the cases whose name contains this')
    p.add_argument('--floor', action='store_true', help='startup: also the stack without Spindle (bench/floor/probe)')
    args = p.parse_args()
    if args.what in ('shutdown', 'refresh'):
        import lifecycle
        args.runs = args.runs or 3
        return getattr(lifecycle, args.what)(args)
    args.runs = args.runs or 5
    return {'echo': echo, 'soak': soak, 'hotdeploy': hotdeploy, 'startup': startup, 'idle': idle}[args.what](args)


LAUNCHER_JVM_FLAGS = ['-XX:+UseSerialGC', '-Xms16m', '-Xmx128m', '-XX:CompileThresholdScaling=3', '-XX:+IgnoreUnrecognizedVMOptions',
                      '-XX:+UnlockExperimentalVMOptions', '-XX:TrimNativeHeapInterval=5000']  # ./spindle's, without its CDS archive


def idle_servers(work, flags):
    """name -> (command or None for the container, port)."""
    peers = os.path.join(os.environ.get('BENCH_WORK', '/tmp/spindle-bench'), 'peers')
    shared = os.path.join(os.path.dirname(ROOT), 'shared', 'bench', 'peers')
    servers = {}
    for name, jar in (('netty', 'netty-hello/target/netty-hello.jar'), ('vertx', 'vertx-hello/target/vertx-hello.jar')):
        port = free_port()
        servers[name] = (['taskset', '-c', '0', 'java'] + flags + ['-jar', os.path.join(peers, jar), str(port)], port)
    port = free_port()
    servers['node'] = (['taskset', '-c', '0', 'node', os.path.join(shared, 'node-hello.js'), str(port)], port)
    return servers


def open_idle(port, n):
    """n connections, each with one GET /hello answered, left open."""
    conns = []
    request = b'GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n'
    for _ in range(n):
        s = socket.create_connection(('127.0.0.1', port))
        s.sendall(request)
        got = b''
        while not got.endswith(b'hello world'):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError('closed before its answer')
            got += chunk
        conns.append(s)
    return conns


def idle(args):
    work = tempfile.mkdtemp(prefix='spindle-idle-')
    flags = args.java_opts.split() if args.java_opts else LAUNCHER_JVM_FLAGS
    servers = idle_servers(work, flags)
    home, port = container(work)
    env = {k: v for k, v in dict(os.environ, SPINDLE_HOME=home).items() if k != 'JAVA_OPTS'}
    if args.java_opts:
        env['JAVA_OPTS'] = args.java_opts
    cfg = os.path.join(home, 'config', 'dev.spindle.host.cfg')
    with open(cfg, 'a') as f:
        f.write('\nkeepAliveTimeoutMillis = 60000\n')
    servers = dict([('spindle', (None, port))] + list(servers.items()))
    only = set(args.only.split(',')) if args.only else None
    print('%-8s %9s %9s %12s %11s %11s  (%d idle keep-alive connections; RSS in MiB; JVM flags %s)'
          % ('server', 'base', 'open', 'KiB/conn', 'closed+2s', 'closed+10s', args.connections, ' '.join(flags)))
    for name, (cmd, port) in servers.items():
        if only and name not in only:
            continue
        if cmd is None:
            proc = subprocess.Popen(['taskset', '-c', '0', os.path.join(ROOT, 'spindle'), '--background'],
                                    env=env, stdout=open(os.path.join(work, name + '.log'), 'a'), stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        else:
            proc = subprocess.Popen(cmd, stdout=open(os.path.join(work, name + '.log'), 'a'), stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while served(port, '/hello') != 'hello world':
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError('%s did not start: see %s' % (name, work))
                time.sleep(0.05)
            # warm the path and let start-up garbage settle, as a server that has served a while
            warm = open_idle(port, 200)
            for c in warm:
                c.close()
            time.sleep(3)
            base = rss_mib(proc.pid)
            conns = open_idle(port, args.connections)
            time.sleep(0.5)
            opened = rss_mib(proc.pid)
            for c in conns:
                c.close()
            time.sleep(2)
            after2 = rss_mib(proc.pid)
            time.sleep(8)
            after10 = rss_mib(proc.pid)
            print('%-8s %9.1f %9.1f %12.2f %11.1f %11.1f' % (name, base, opened,
                  (opened - base) * 1024 / args.connections, after2, after10))
        finally:
            proc.terminate()
            proc.wait(30)
    shutil.rmtree(work, ignore_errors=True)


def first_served(work, home, port):
    """Launches the container, returns (ms to the first GET /hello served, RSS MiB 1 s later)."""
    started = time.monotonic()
    felix = start(work, home)
    try:
        while served(port, '/hello') != 'hello world':
            if felix.poll() is not None:
                raise RuntimeError('the container exited: see %s' % os.path.join(work, 'container.log'))
            time.sleep(0.01)
        first = (time.monotonic() - started) * 1000
        time.sleep(1)
        return first, rss_mib(felix.pid)
    finally:
        felix.terminate()
        felix.wait(30)


def stack_floor(work):
    """A copy of the container without Spindle's bundles, the probe in deploy/: (home, port)."""
    home, port = container(work)
    for d in ('bundle', 'deploy'):
        for name in os.listdir(os.path.join(home, d)):
            if re.match(r'(spindle-(api|host|dashboard|sample-.*)|gson)-.*\.jar$', name):
                os.remove(os.path.join(home, d, name))
    classes = os.path.join(work, 'probe-classes')
    source = os.path.join(HERE, 'floor', 'probe', 'StackProbe.java')
    subprocess.run(['javac', '-nowarn', '--release', '17', '-cp', os.path.join(home, 'bin', 'felix.jar'),
                    '-d', classes, source], check=True)
    manifest = ('Manifest-Version: 1.0\r\nBundle-ManifestVersion: 2\r\nBundle-SymbolicName: dev.spindle.bench.probe\r\n'
                'Bundle-Version: 1.0.0\r\nBundle-Activator: dev.spindle.bench.probe.StackProbe\r\n'
                'Import-Package: org.osgi.framework\r\n\r\n')
    with zipfile.ZipFile(os.path.join(home, 'deploy', 'stack-probe.jar'), 'w') as jar:
        jar.writestr('META-INF/MANIFEST.MF', manifest)
        for dirpath, _, files in os.walk(classes):
            for f in files:
                jar.write(os.path.join(dirpath, f), os.path.relpath(os.path.join(dirpath, f), classes))
    open(os.path.join(home, 'probe.port'), 'w').write('%d\n' % port)
    return home, port


def startup(args):
    cold, warm, floor_cold, floor_warm = [], [], [], []
    for _ in range(args.runs):
        work = tempfile.mkdtemp(prefix='spindle-startup-')
        home, port = container(work)
        cold.append(first_served(work, home, port))
        warm.append(first_served(work, home, port))
        if args.floor:
            floor_work = os.path.join(work, 'floor')
            os.mkdir(floor_work)
            home, port = stack_floor(floor_work)
            floor_cold.append(first_served(floor_work, home, port))
            floor_warm.append(first_served(floor_work, home, port))
        shutil.rmtree(work, ignore_errors=True)
    for name, runs in (('first start (records CDS archive)', cold), ('restart (maps the archive)', warm),
                       ('floor: first start', floor_cold), ('floor: restart', floor_warm)):
        if not runs:
            continue
        ms = [m for m, _ in runs]
        rss = [r for _, r in runs]
        print('%-32s first request served: median %.0f ms (min %.0f, max %.0f); idle RSS median %.0f MiB '
              '(min %.0f, max %.0f); %d runs, ./spindle --background'
              % (name, statistics.median(ms), min(ms), max(ms), statistics.median(rss), min(rss), max(rss),
                 len(runs)))


def hotdeploy(args):
    work = tempfile.mkdtemp(prefix='spindle-hotdeploy-')
    home, port = container(work)
    swap = [f for f in os.listdir(os.path.join(ROOT, 'itests', 'swap-handler', 'target'))
            if re.match(r'spindle-swap-handler-.*\.jar$', f)][0]
    source = os.path.join(ROOT, 'itests', 'swap-handler', 'target', swap)
    jars = {}
    for v in ('1.0.0', '2.0.0'):
        jars[v] = os.path.join(work, 'swap-%s.jar' % v)
        versioned_jar(source, v, jars[v])
    deploy = os.path.join(home, 'deploy')

    started = time.monotonic()
    felix = start(work, home)
    try:
        while served(port, '/hello') != 'hello world':
            time.sleep(0.01)
        first = time.monotonic() - started
        time.sleep(1)
        idle = rss_mib(felix.pid)
        drop(jars['1.0.0'], deploy)
        while served(port) != 'version=1.0.0':
            time.sleep(0.01)

        times = []
        current = '1.0.0'
        for _ in range(args.updates):
            nxt = '2.0.0' if current == '1.0.0' else '1.0.0'
            t0 = drop(jars[nxt], deploy)
            while served(port) != 'version=' + nxt:
                time.sleep(0.002)
            times.append((time.monotonic() - t0) * 1000)
            current = nxt
            time.sleep(0.5)

        steady = wrk(port, args.seconds)
        stop = threading.Event()

        def updater():
            cur = current
            while not stop.wait(2.0):
                cur = '2.0.0' if cur == '1.0.0' else '1.0.0'
                drop(jars[cur], deploy)

        t = threading.Thread(target=updater)
        t.start()
        updating = wrk(port, args.seconds)
        stop.set()
        t.join()
    finally:
        felix.terminate()
        felix.wait(30)

    print('container start -> first request served (GET /hello): %.0f ms, JVM start included; idle RSS %.0f MiB'
          % (first * 1000, idle))
    print('drop -> served over %d updates: median %.0f ms, min %.0f ms, max %.0f ms (poll %s ms)'
          % (len(times), statistics.median(times), min(times), max(times), 'felix.fileinstall.poll=250'))
    for name, r in (('steady', steady), ('updating every 2 s', updating)):
        print('%-20s requests=%d rps=%.0f p50=%.2f ms p99=%.2f ms max=%.1f ms errors=%d non2xx=%d'
              % (name, r['requests'], r['requests'] / (r['duration_us'] / 1e6), r['p50_us'] / 1000,
                 r['p99_us'] / 1000, r['max_us'] / 1000, r['errors'], r['non2xx']))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
