import sys, os, time, subprocess, tempfile
sys.path.insert(0, '/work/main/bench'); import measure
work = tempfile.mkdtemp(prefix='nmt-')
home, port = measure.container(work)
with open(os.path.join(home, 'config', 'dev.spindle.host.cfg'), 'a') as f: f.write('\nkeepAliveTimeoutMillis = 60000\n')
env = dict(os.environ, SPINDLE_HOME=home, JAVA_OPTS=' '.join(measure.LAUNCHER_JVM_FLAGS + ['-XX:NativeMemoryTracking=summary']))
proc = subprocess.Popen(['taskset', '-c', '0', '/work/main/spindle', '--background'], env=env, stdout=open(work + '/c.log', 'a'), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
try:
    while measure.served(port, '/hello') != 'hello world': time.sleep(0.05)
    warm = measure.open_idle(port, 200); [c.close() for c in warm]; time.sleep(3)
    def snap(tag):
        out = subprocess.run(['jcmd', str(proc.pid), 'VM.native_memory', 'summary'], capture_output=True, text=True).stdout
        open(f'/tmp/sc/nmt-{tag}.txt', 'w').write(out)
        hist = subprocess.run(['jcmd', str(proc.pid), 'GC.class_histogram'], capture_output=True, text=True).stdout if tag == 'closed10' else ''
        if hist: open(f'/tmp/sc/hist-{tag}.txt', 'w').write(hist)
        print(tag, 'rss', measure.rss_mib(proc.pid))
    snap('base')
    conns = measure.open_idle(port, 5000); time.sleep(0.5); snap('open')
    for c in conns: c.close()
    time.sleep(2); snap('closed2'); time.sleep(8); snap('closed10')
finally:
    proc.terminate(); proc.wait(30)
