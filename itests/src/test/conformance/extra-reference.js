// Spindle's own differential scenarios, beside the 44 of ../shared/conformance: the same URL
// scheme (/conformance/<name>), run on stock Node http and compared by extra_scenarios.py, which
// drives ../shared/conformance/probe.py. Each one is a framing rule found in Node's own tests.
//
// Usage: node extra-reference.js <port>        (listens on 127.0.0.1:<port>)
'use strict';
const http = require('node:http');

const port = Number(process.argv[2]);
const onRequest = {};

// E1 (test-http-remove-header-stays-removed): both framing headers removed, the body ends when
// the connection does; the server closes after it, a pipelined request is never answered.
onRequest['close-delimited-body'] = (req, res) => {
  const v = new URL(req.url, 'http://x').searchParams.get('v');
  res.removeHeader('Transfer-Encoding');
  if (v === 'whole') {
    res.removeHeader('Content-Length');
    res.end('whole body');
  } else {
    res.write('first ');
    res.end('second');
  }
};

// E2 (test-http-keep-alive-timeout-custom): a Keep-Alive header of the handler's own replaces the
// automatic one; the connection stays open.
onRequest['handler-keep-alive'] = (req, res) => {
  res.setHeader('Keep-Alive', 'timeout=7, max=3');
  res.end('kept');
};

const server = http.createServer((req, res) => {
  const m = /^\/conformance\/([a-z0-9-]+)(?:\?.*)?$/.exec(req.url);
  const handler = m && onRequest[m[1]];
  if (!handler) {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain');
    return void res.end('no such scenario\n');
  }
  handler(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`extra-reference (Node ${process.version}) listening on 127.0.0.1:${port}`);
});
