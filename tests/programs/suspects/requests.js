// per-request-retention: requests, responses, sockets or their payloads kept after they finished,
// on a real HTTP server on 127.0.0.1 driven by real requests.
'use strict';
const http = require('http');
const { run, steps } = require('./harness');

function serve(handler) {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
function hit(server, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.address().port, method: body ? 'POST' : 'GET',
      path: '/api/items?page=1', agent: false }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}
let n = 0;
const load = (server, body) => steps(async (k) => { for (let i = 0; i < k; i++) await hit(server, body); }, [3, 60, 60]);

run({
  // Every request object is appended to a debug log and never dropped.
  'request-log': async () => {
    const recent = [];
    const server = await serve((req, res) => { recent.push(req); res.end('ok'); });
    module.exports.debug = { recent, server };
    return { phases: load(server), done: () => server.close() };
  },
  // Sockets remembered on 'connection' and never forgotten on 'close'.
  'socket-set': async () => {
    const peers = new Set();
    const server = await serve((req, res) => res.end('ok'));
    server.on('connection', (socket) => peers.add(socket));
    globalThis.net = { peers, server };
    return { phases: load(server), done: () => server.close() };
  },
  // Responses kept as "subscribers" after they ended.
  'response-subscribers': async () => {
    const subscribers = [];
    const server = await serve((req, res) => { subscribers.push({ res, since: Date.now() }); res.end('bye'); });
    globalThis.push = { subscribers, server };
    return { phases: load(server), done: () => server.close() };
  },
  // Per-request context keyed by request number, with the parsed body and the request itself.
  'context-map': async () => {
    const contexts = new Map();
    let seq = 0;
    const server = await serve((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => { contexts.set(++seq, { req, body: Buffer.concat(chunks), user: 'u' + seq }); res.end('ok'); });
    });
    module.exports.tracing = { contexts, server };
    return { phases: load(server, JSON.stringify({ rows: new Array(40).fill('row') })), done: () => server.close() };
  },
  // Thousands of request contexts by string id (more than any sample looked at), each with
  // Node's own request and response objects (made without a connection: their count is what
  // matters here, not their traffic).
  'thousands-of-contexts': () => {
    const net = require('net');
    const contexts = new Map();
    module.exports.tracing = { contexts };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const req = new http.IncomingMessage(new net.Socket()); contexts.set('req-' + n, { req, res: new http.ServerResponse(req), user: 'u' + n }); } }, [5, 1300, 1300]) };
  },
  // Outgoing client requests kept in an array after they completed.
  'client-requests': async () => {
    const server = await serve((req, res) => res.end('pong'));
    const sent = [];
    globalThis.telemetry = { sent, server };
    const call = () => new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false },
        (res) => { res.resume(); res.on('end', resolve); });
      sent.push(req);
    });
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await call(); }, [3, 60, 60]),
      done: () => server.close() };
  },
  // Only the payloads are kept: url, parsed headers and body of every request.
  'payload-log': async () => {
    const captured = [];
    const server = await serve((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => { captured.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }); res.end('ok'); });
    });
    globalThis.replay = { captured, server };
    return { phases: load(server, JSON.stringify({ rows: new Array(40).fill('row') })), done: () => server.close() };
  },
  // A service whose request handling is clean (bounded LRU, listeners removed, timeouts that
  // fire) but whose profile store keyed by user id never evicts.
  'service-profiles': async () => {
    const EventEmitter = require('events');
    const recent = new Map();
    const profiles = new Map();
    const bus = new EventEmitter();
    let user = 0;
    const server = await serve((req, res) => {
      const id = user++;
      recent.set(req.url + id, Date.now()); if (recent.size > 50) recent.delete(recent.keys().next().value);
      const onStop = () => res.destroy(); bus.on('stop', onStop);
      res.on('finish', () => bus.off('stop', onStop));
      setTimeout(() => recent.size, 1);
      for (let k = 0; k < 5; k++) profiles.set(id * 5 + k, { id, name: 'user ' + id, roles: ['r', 'w'], seen: [Date.now()] });
      res.end('ok');
    });
    module.exports.service = { profiles, recent, bus, server };
    return { phases: load(server), done: () => server.close() };
  },
  // Timing metadata in a Map keyed by the request object itself (a Map, not a WeakMap).
  'request-keyed': async () => {
    const timings = new Map();
    const server = await serve((req, res) => { timings.set(req, { start: process.hrtime.bigint(), route: req.url }); res.end('ok'); });
    module.exports.metrics = { timings, server };
    return { phases: load(server), done: () => server.close() };
  },
});
