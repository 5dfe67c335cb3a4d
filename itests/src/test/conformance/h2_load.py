#!/usr/bin/python3
"""HTTP/2 load for the hot-deploy test: CONNECTIONS h2c connections (prior knowledge), each keeping
STREAMS streams in flight on PATH (a new one opened as soon as one ends), until stdin closes; then
the streams in flight finish (at most 10 s). Prints one line per distinct answer,
"answer <status> <body>: <count>", then "failures: <n>" with the first few reasons.

Usage: h2_load.py PORT PATH CONNECTIONS STREAMS      (run with /usr/bin/python3: needs python3-h2)
"""
import collections
import sys
import threading
import time

from h2_probe import Conn

answers = collections.Counter()
failures = []
lock = threading.Lock()
running = True


def client(port, path, streams):
    c = None
    inflight = set()
    while running or inflight:
        try:
            if c is None:
                c = Conn(port, 10)
                inflight = set()
            while running and len(inflight) < streams:
                inflight.add(c.request("GET", path))
            c.pump(lambda: any(c.done(s) for s in inflight) or c.closed, 1.0)
            if c.closed and inflight:
                raise ConnectionError("connection closed with %d streams open" % len(inflight))
            for s in [s for s in inflight if c.done(s)]:
                inflight.discard(s)
                st = c.streams.pop(s)
                with lock:
                    if st["reset"] is not None and not st["ended"]:
                        failures.append("RST_STREAM %s" % st["reset"])
                    else:
                        status = dict(st["heads"][-1]).get(b":status", b"?").decode() if st["heads"] else "none"
                        answers["%s %s" % (status, st["data"].decode("latin1"))] += 1
        except Exception as e:
            with lock:
                failures.append("%s: %s" % (type(e).__name__, e))
            if c is not None:
                c.close()
            c = None
            inflight = set()
            time.sleep(0.05)
    if c is not None:
        c.close()


def main():
    global running
    port, path, conns, streams = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    threads = [threading.Thread(target=client, args=(port, path, streams), daemon=True) for _ in range(conns)]
    for t in threads:
        t.start()
    sys.stdin.read()
    running = False
    for t in threads:
        t.join(10)
    for a, n in sorted(answers.items()):
        print("answer %s: %d" % (a, n))
    print("failures: %d %s" % (len(failures), failures[:5]))


if __name__ == "__main__":
    main()
