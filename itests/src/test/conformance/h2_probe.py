#!/usr/bin/python3
"""HTTP/2 differential probe: the conformance scenarios of ../shared/conformance over h2c (prior
knowledge), against Node's http2 compatibility API (node-reference.js --h2c) and the container.

For every scenario it opens a fresh connection, sends the request(s) with the `h2` library
(Debian's python3-h2; run it with /usr/bin/python3), and records per stream: interim heads
(100), :status, the response headers as (name, value) in wire order (the Date value checked and
replaced by <DATE>), the DATA bytes (over 4 KiB: length and SHA-256), the trailers, and a
RST_STREAM's error code or a timeout. Frame boundaries are not compared. Scenarios whose outcome
lives in the server read its /report afterwards.

Usage: h2_probe.py --reference-port A --target-port B [--out DIR] [--only a,b]
Last line: "N passed, M failed"; exit status 1 on any failure.
"""
import argparse
import difflib
import hashlib
import os
import re
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings

IMF_DATE = re.compile(rb"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")

# Seconds to watch a stream after it ended (Node may follow END_STREAM with RST_STREAM NO_ERROR).
LINGER = 0.15

# Scenarios not run over HTTP/2, with why.
EXCLUDED = {
    "after-headers-sent": "Node's http2 compatibility API throws ERR_HTTP2_HEADERS_SENT where its http module throws "
                          "ERR_HTTP_HEADERS_SENT; Spindle keeps one code for both protocols, so a handler checks one name",
    "header-injection-rejected": "Node 20's http2 compatibility API accepts the value 'a\\r\\nInjected: 1' and sends it "
                                 "(HPACK carries it); Spindle refuses it with ERR_INVALID_CHAR on both protocols, as "
                                 "Node's http module does",
    "client-abort": "after the client's RST_STREAM, Node's http2 compatibility API reports writableFinished=true for "
                    "a response that never ended; Spindle reports false, as Node's http does (the reset reaching "
                    "onDone as CLIENT_ABORTED is checked by Http2EngineTest)",
    "write-after-end": "Node's http2 compatibility API resets the stream it had completed (RST_STREAM INTERNAL_ERROR "
                       "after the body) and never reports the write's error; Spindle keeps the completed response "
                       "and reports ERR_STREAM_WRITE_AFTER_END to the callback and 'error', as Node's http does",
    "half-close": "a TCP half-close has no HTTP/2 meaning (a stream ends with END_STREAM); client-abort covers the reset",
    "throw-after-write": "the reference's rule calls res.socket.destroySoon(), which Node's http2 compatibility API "
                         "refuses (ERR_HTTP2_NO_SOCKET_MANIPULATION, the process dies); Spindle resets the stream "
                         "(INTERNAL_ERROR), see Http2EngineTest",
}


class Conn:
    """One h2c connection with prior knowledge."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None,
                                                                      validate_inbound_headers=False))
        self.h2.initiate_connection()
        self.streams = {}
        self.closed = False
        self.flush()

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, headers=(), body=None, end=True):
        sid = self.h2.get_next_available_stream_id()
        hs = [(b":method", method.encode()), (b":path", path.encode()), (b":scheme", b"http"),
              (b":authority", b"127.0.0.1")] + [(k.encode(), v.encode()) for k, v in headers]
        self.streams[sid] = {"heads": [], "data": b"", "trailers": None, "reset": None, "ended": False}
        self.h2.send_headers(sid, hs, end_stream=end and body is None)
        if body is not None:
            self.h2.send_data(sid, body, end_stream=end)
        self.flush()
        return sid

    def pump(self, until, wait):
        """Reads events until until() is true or `wait` seconds pass; False on timeout."""
        deadline = time.monotonic() + wait
        while not until():
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return until()
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return until()
            except ConnectionError:
                chunk = b""
            if not chunk:
                self.closed = True
                return until()
            for ev in self.h2.receive_data(chunk):
                self.event(ev)
            self.flush()
        return True

    def event(self, ev):
        s = self.streams.get(getattr(ev, "stream_id", None))
        if isinstance(ev, (h2.events.ResponseReceived, h2.events.InformationalResponseReceived)):
            s["heads"].append(list(ev.headers))
        elif isinstance(ev, h2.events.TrailersReceived):
            s["trailers"] = list(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            s["data"] += ev.data
            self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            s["ended"] = True
        elif isinstance(ev, h2.events.StreamReset):
            if s is not None:
                s["reset"] = ev.error_code

    def done(self, sid):
        s = self.streams[sid]
        return s["ended"] or s["reset"] is not None

    def wait(self, *sids, wait=None):
        """Until the streams end, then a short linger for what follows an END_STREAM (a RST_STREAM NO_ERROR)."""
        ok = self.pump(lambda: all(self.done(i) for i in sids), self.timeout if wait is None else wait)
        self.pump(lambda: False, LINGER)
        return ok

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def describe(s):
    out = []
    for head in s["heads"]:
        out.append("HEADERS")
        for k, v in head:
            if k == b"date":
                v = b"<DATE>" if IMF_DATE.match(v) else b"<BAD DATE " + v + b">"
            out.append("  %s: %s" % (k.decode("latin1"), v.decode("latin1")))
    data = s["data"]
    if len(data) > 4096:
        out.append("DATA %d bytes sha256 %s" % (len(data), hashlib.sha256(data).hexdigest()))
    elif data:
        out.append("DATA %r" % data)
    if s["trailers"] is not None:
        out.append("TRAILERS")
        for k, v in s["trailers"]:
            out.append("  %s: %s" % (k.decode("latin1"), v.decode("latin1")))
    if s["ended"]:
        out.append("END_STREAM")
    if s["reset"] is not None:
        out.append("RST_STREAM %s" % s["reset"])
    if not s["ended"] and s["reset"] is None:
        out.append("NO END (timeout)")
    return out


# ---------------------------------------------------------------- scenarios: (name, function(port, timeout) -> lines)

def simple(name, method="GET", query="", headers=(), body=None):
    def run(port, timeout):
        c = Conn(port, timeout)
        try:
            sid = c.request(method, "/conformance/" + name + query, headers, body)
            c.wait(sid)
            return describe(c.streams[sid])
        finally:
            c.close()
    return name, run


def concurrent(name, variants, method="GET"):
    def run(port, timeout):
        c = Conn(port, timeout)
        try:
            sids = [(v, c.request(m or method, "/conformance/" + name + q)) for v, m, q in variants]
            c.wait(*[s for _, s in sids])
            out = []
            for v, s in sids:
                out.append("-- " + v)
                out += describe(c.streams[s])
            return out
        finally:
            c.close()
    return name, run


def report(name, run_main):
    """The scenario, then its server-side record from /conformance/<name>/report."""
    def run(port, timeout):
        out = run_main(port, timeout)
        c = Conn(port, timeout)
        try:
            sid = c.request("GET", "/conformance/" + name + "/report")
            c.wait(sid, wait=timeout + 3)
            return out + ["-- report"] + describe(c.streams[sid])
        finally:
            c.close()
    return name, run


def with_body_parts(name, parts, headers=(), trailers=None):
    def run(port, timeout):
        c = Conn(port, timeout)
        try:
            sid = c.request("POST", "/conformance/" + name, headers, end=False)
            for i, p in enumerate(parts):
                c.h2.send_data(sid, p, end_stream=(i == len(parts) - 1 and trailers is None))
                c.flush()
            if trailers is not None:
                c.h2.send_headers(sid, [(k.encode(), v.encode()) for k, v in trailers], end_stream=True)
                c.flush()
            c.wait(sid)
            return describe(c.streams[sid])
        finally:
            c.close()
    return name, run


def expect_continue(name, body=b"hello"):
    """Expect: 100-continue: the body goes only after an interim 100 (or a final answer), waited up to 2 s."""
    def run(port, timeout):
        c = Conn(port, timeout)
        try:
            sid = c.request("POST", "/conformance/" + name,
                            [("content-length", str(len(body))), ("expect", "100-continue")], end=False)
            c.pump(lambda: c.streams[sid]["heads"] or c.done(sid), 2)
            heads = c.streams[sid]["heads"]
            if heads and heads[0][0] == (b":status", b"100") and not c.done(sid):
                c.h2.send_data(sid, body, end_stream=True)
                c.flush()
            c.wait(sid)
            return describe(c.streams[sid])
        finally:
            c.close()
    return name, run


def client_abort(port, timeout):
    c = Conn(port, timeout)
    try:
        sid = c.request("GET", "/conformance/client-abort")
        c.pump(lambda: b"partial" in c.streams[sid]["data"], timeout)
        out = describe(c.streams[sid])
        c.h2.reset_stream(sid, error_code=8)  # CANCEL
        c.flush()
        return out
    finally:
        time.sleep(0.05)
        c.close()


def main_of(name, method="GET", headers=(), body=None):
    return simple(name, method, "", headers, body)[1]


SCENARIOS = [
    simple("implicit-headers"),
    simple("writehead-headers-object"),
    concurrent("reason-phrase", [("custom", None, "?v=custom"), ("default", None, "?v=default"),
                                 ("unknown", None, "?v=unknown")]),
    simple("writehead-merges-setheader"),
    simple("setheader-array"),
    simple("getheader-case-insensitive"),
    simple("remove-header"),
    simple("after-headers-sent"),
    simple("header-injection-rejected"),
    simple("end-empty"),
    simple("write-then-end-chunked"),
    simple("write-empty-then-end"),
    simple("explicit-content-length"),
    simple("utf8-multibyte"),
    simple("encoding-write"),
    simple("encoding-end"),
    simple("large-streamed-body"),
    concurrent("head-request", [("HEAD", "HEAD", ""), ("HEAD explicit", "HEAD", "?v=explicit"), ("GET", "GET", "")]),
    concurrent("status-204-304", [("204", None, "?code=204"), ("304", None, "?code=304")]),
    simple("trailers-chunked"),
    simple("trailers-end-only"),
    simple("trailers-http10"),
    simple("trailer-header-http10"),
    simple("http10-close"),
    simple("http10-keepalive"),
    simple("http10-keepalive-no-length"),
    simple("http11-connection-close"),
    concurrent("pipelined", [("n=1", None, "?n=1"), ("n=2", None, "?n=2"), ("n=3", None, "?n=3")]),
    simple("unread-body-keepalive", "POST", headers=[("content-length", "11")], body=b"hello world"),
    simple("half-close"),
    simple("query-string", query="?a=1&b=two"),
    simple("raw-headers", headers=[("user-agent", "h2-probe"), ("x-dup", "1"), ("x-dup", "2"), ("cookie", "a=1"),
                                   ("cookie", "b=2")]),
    simple("echo-body-content-length", "POST", headers=[("content-length", "11")], body=b"hello world"),
    with_body_parts("echo-body-chunked", [b"hello ", b"world"]),
    with_body_parts("request-trailers", [b"abc"], trailers=[("x-trailer", "t1")]),
    expect_continue("expect-continue"),
    expect_continue("expect-continue-reject"),
    expect_continue("expect-continue-default"),
    simple("expect-unknown", headers=[("expect", "something-else")]),
    report("response-events", main_of("response-events")),
    report("client-abort", client_abort),
    report("write-after-end", main_of("write-after-end")),
    simple("throw-before-write"),
    simple("throw-after-write"),
]


def capture(port, names, timeout):
    out = {}
    for name, run in SCENARIOS:
        if name in names:
            try:
                out[name] = run(port, timeout)
            except Exception as e:  # a connection refused or reset outright is an outcome too
                out[name] = ["ERROR %s" % type(e).__name__]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference-port", type=int, required=True)
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--out")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=3.0)
    args = ap.parse_args()
    only = {n for o in args.only for n in o.split(",") if n}
    names = [n for n, _ in SCENARIOS if n not in EXCLUDED and (not only or n in only)]
    ref = capture(args.reference_port, names, args.timeout)
    tgt = capture(args.target_port, names, args.timeout)
    passed = failed = 0
    for name in names:
        if args.out:
            for side, caps in (("reference", ref), ("target", tgt)):
                os.makedirs(os.path.join(args.out, side), exist_ok=True)
                with open(os.path.join(args.out, side, name + ".txt"), "w") as f:
                    f.write("\n".join(caps[name]) + "\n")
        if ref[name] == tgt[name]:
            passed += 1
            print("PASS " + name)
        else:
            failed += 1
            print("FAIL " + name)
            for line in difflib.unified_diff(ref[name], tgt[name], "reference", "target", lineterm="", n=2):
                print("    " + line)
    for name, why in EXCLUDED.items():
        print("EXCLUDED %s: %s" % (name, why))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
