// The Node HTTP/2 peer of bench/h2.sh (a load generator's server, outside Spindle's data path):
// Node's http2 with its compatibility API, the same (req, res) handler as ../shared/bench's
// node-hello.js, h2c on the first port (prior knowledge) and h2 over TLS (Node's OpenSSL, ALPN h2
// and http/1.1) on the second, with the PEM pair given.
//   GET /hello  -> 200 "hello world", content-type text/plain, content-length 11
//   GET /stream -> 200, 64 KiB as 16 writes of 4 KiB, no length
// Usage: node node-h2.js H2C_PORT TLS_PORT CERT.pem KEY.pem   (127.0.0.1 only)
'use strict';
const fs = require('fs');
const http2 = require('http2');

const [h2cPort, tlsPort, cert, key] = process.argv.slice(2);
if (!key) {
  console.error('usage: node node-h2.js H2C_PORT TLS_PORT CERT.pem KEY.pem');
  process.exit(2);
}
const HELLO = Buffer.from('hello world');
const CHUNK = Buffer.alloc(4096, 'x');
const CHUNKS = 16;

function handler(req, res) {
  if (req.url === '/hello') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HELLO.length });
    res.end(HELLO);
  } else if (req.url === '/stream') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    for (let i = 0; i < CHUNKS; i++) res.write(CHUNK);
    res.end();
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
}

http2.createServer(handler).listen(Number(h2cPort), '127.0.0.1',
  () => console.log(`node-h2 ${process.version} h2c listening on 127.0.0.1:${h2cPort}`));
http2.createSecureServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), allowHTTP1: true }, handler)
  .listen(Number(tlsPort), '127.0.0.1',
    () => console.log(`node-h2 ${process.version} h2 (OpenSSL ${process.versions.openssl}) listening on 127.0.0.1:${tlsPort}`));
process.on('SIGTERM', () => process.exit(0));
