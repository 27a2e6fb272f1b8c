// An HTTP server (on 127.0.0.1) that records every request in a module-level Map and forgets
// to delete the entry on 'finish': requests, responses and payloads pile up.
'use strict';
const http = require('http');
const { phases } = require('./harness');

const inflight = new Map();
let seq = 0;
const server = http.createServer((req, res) => {
  const id = `req-${++seq}`;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    inflight.set(id, { startedAt: Date.now(), req, res, payload: Buffer.concat(chunks).toString() });
    res.on('finish', () => { /* BUG: inflight.delete(id) forgotten */ });
    res.end('ok');
  });
});
global.app = { server, inflight };

function send(port, i) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ order: i, items: ['a', 'b', 'c'], note: 'x'.repeat(64) });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/orders',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      agent: false }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const load = (n) => async () => { for (let i = 0; i < n; i++) await send(port, i); };
  phases('per-request-retention', process.argv[2], [load(5), load(120), load(120)])
    .then(() => server.close());
});
