'use strict';
// Interop client for WebSocketInteropTest: Node's ws package (the version locked in
// package-lock.json, installed by `npm ci` in target/node during the host module's build) against
// Spindle's sockets, in both directions.
//
// Usage: node ws_client.js PORT deflate|plain
//   /echo: sends binary and text messages of 1 byte to 16 MiB, checks that each comes back whole
//          and equal (client to server to client);
//   /push: asks for binary and text messages of each size that the server makes itself, checks
//          each against the same pattern (server to client, the server's own sends).
// Prints the negotiated extensions, one "echo N" and one "push N" line per size, and each close code.
const crypto = require('crypto');
const WebSocket = require('ws');

const SIZES = [1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];
const [port, mode] = process.argv.slice(2);

// n bytes of UTF-8 with two-byte characters in it (as ws_echo_client.py and the push handler)
const textOf = (n) => '\u00e9'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2);
// byte i of a pushed binary message of n bytes (the push handler makes the same)
function binaryOf(n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + n) & 0xff;
  return b;
}

function open(path) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    perMessageDeflate: mode === 'deflate' ? {} : false,
    maxPayload: 32 << 20,
    handshakeTimeout: 10000,
  });
  const queue = [];
  const waiting = [];
  ws.on('message', (data, isBinary) => {
    const m = { data, isBinary };
    (waiting.length ? waiting.shift() : (v) => queue.push(v))(m);
  });
  ws.next = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${path}: no message within 30 s`)), 30000);
    waiting.push((m) => { clearTimeout(timer); resolve(m); });
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function check(what, got, isBinary, wantBinary, equal) {
  if (isBinary !== wantBinary) throw new Error(`${what}: came back as ${isBinary ? 'binary' : 'text'}`);
  if (!equal) throw new Error(`${what}: got ${got.length} bytes back`);
}

function close(ws) {
  return new Promise((resolve) => {
    ws.once('close', (code) => resolve(code));
    ws.close(1000, 'done');
  });
}

async function main() {
  const echo = await open('/echo');
  // the negotiated Sec-WebSocket-Extensions, names only
  const names = echo.extensions.split(',').map((e) => e.split(';')[0].trim()).filter(Boolean);
  console.log('extensions', names.join(',') || 'none');
  for (const n of SIZES) {
    const data = crypto.randomBytes(n);
    echo.send(data, { binary: true });
    let m = await echo.next();
    check(`echo binary ${n}`, m.data, m.isBinary, true, Buffer.compare(m.data, data) === 0);
    const text = textOf(n);
    echo.send(text);
    m = await echo.next();
    check(`echo text ${n}`, m.data, m.isBinary, false, m.data.toString('utf8') === text);
    console.log('echo', n);
  }
  console.log('closed', await close(echo));

  const push = await open('/push');
  for (const n of SIZES) {
    push.send(`binary ${n}`);
    let m = await push.next();
    check(`push binary ${n}`, m.data, m.isBinary, true, Buffer.compare(m.data, binaryOf(n)) === 0);
    push.send(`text ${n}`);
    m = await push.next();
    check(`push text ${n}`, m.data, m.isBinary, false, m.data.toString('utf8') === textOf(n));
    console.log('push', n);
  }
  console.log('closed', await close(push));
}

main().catch((e) => {
  console.error('failed:', e.message);
  process.exit(1);
});
