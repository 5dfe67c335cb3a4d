// The Node WebSocket peer of bench/ws.sh (a load generator's server, outside Spindle's data path):
// the ws package (the version in bench/ws/package-lock.json, installed by bench/ws.sh with npm ci),
// its WebSocketServer on Node's http server, no compression, one process.
//   /ws/echo      every message back to its sender, binary or text as it came
//   /ws/broadcast every message to every socket open on /ws/broadcast, the sender's too
// Usage: node node-ws.js PORT   (127.0.0.1 only)
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node node-ws.js PORT');
  process.exit(2);
}
const room = new Set();
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 16 << 20 });
wss.on('connection', (ws, req) => {
  if (req.url === '/ws/echo') {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  } else if (req.url === '/ws/broadcast') {
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const s of room) s.send(data, { binary: isBinary });
    });
  } else {
    ws.close(1008, 'no such route');
  }
});
wss.on('listening', () => console.log(`node-ws listening on 127.0.0.1:${port}, node ${process.version}`));
