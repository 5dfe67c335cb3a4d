"""Spindle's own differential scenarios, run by ../shared/conformance/probe.py's machinery.

Usage: python3 extra_scenarios.py SHARED_CONFORMANCE_DIR [probe.py options]
(e.g. --reference-port 9001 --target-port 9002 [--strict-case]); the reference is
extra-reference.js beside this file. The last line is probe.py's: N passed, M failed.
"""
import sys

sys.path.insert(0, sys.argv.pop(1))
import probe  # noqa: E402  (from the shared folder given first)
from probe import GET, read, scenario, send  # noqa: E402

probe.SCENARIOS.clear()

# E1: a body delimited by the connection's end; the pipelined second request is never answered
scenario('close-delimited-body',
         [send(GET('close-delimited-body', '?v=streamed'), GET('close-delimited-body', '?v=streamed')), read(2)],
         [send(GET('close-delimited-body', '?v=whole'), GET('close-delimited-body', '?v=whole')), read(2)])
# E2: the handler's Keep-Alive replaces the automatic one, on both pipelined responses
scenario('handler-keep-alive', [send(GET('handler-keep-alive'), GET('handler-keep-alive')), read(2)])



def raw(data, methods=('GET',)):
    """A step that sends bytes GET() would never make (a malformed request line)."""
    return ('send', data, list(methods))


def bad_target(target):
    return b'GET ' + target + b' HTTP/1.1\r\nHost: ' + probe.HOST_HEADER.encode() + b'\r\n\r\n'


# E3-E5: request-targets Node's llhttp answers 400 before any handler, then closes: a control byte,
# a raw non-ASCII byte (a client must percent-encode it), a target in none of the forms
scenario('target-control-byte', [raw(bad_target(b'/conformance/handler-keep-alive\x01')), read()])
scenario('target-raw-utf8', [raw(bad_target(b'/conformance/handler-keep-alive?q=\xc3\xa9')), read()])
scenario('target-without-form', [raw(bad_target(b'conformance/handler-keep-alive')), read()])
# (Not compared: a request pipelined before a refused one. Spindle answers it, then the 400, as the
# README says; Node answers it and closes without the 400, since its response had begun.)

if __name__ == '__main__':
    sys.exit(probe.main())
