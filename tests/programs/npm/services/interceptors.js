// HTTP client interceptors and hooks registered per request (axios, tapable) instead of once.
// No network: axios gets an adapter that answers in process. axios warms up over its first
// hundred requests (compiled code, lazily built internals: ~250 kB), so the first snapshot
// comes after 150 of them (tapable: after 100 calls of its hook).
'use strict';
const axios = require('axios');
const { SyncHook, AsyncSeriesHook } = require('tapable');
const { run, steps } = require('../../suspects/harness');

// Answers every request in process, as a stub backend would.
const adapter = async (config) => ({ data: { ok: true, url: config.url }, status: 200,
  statusText: 'OK', headers: {}, config, request: {} });

let n = 0;
// The tracing span a request carries (ids, attributes), as a tracing interceptor keeps it.
const span = (i) => ({ traceId: `${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}${'0'.repeat(24)}`,
  spanId: (i + 1e9).toString(16), attributes: Object.fromEntries(['http.method', 'http.route', 'http.target', 'net.peer.name', 'service', 'tenant'].map((k, j) => [k, `${k}=${i * 7 + j}`])) });
run({
  // Each request adds its own interceptor to stamp the request id; none is ever ejected.
  'axios-interceptor-per-request': () => {
    const backend = { api: axios.create({ baseURL: 'http://users.internal', adapter }) };
    globalThis.backend = backend;
    const handle = async () => {
      const trace = { requestId: `req-${n++}`, user: `u${n % 97}`, tags: ['users', 'get', `shard-${n % 8}`], span: span(n) };
      backend.api.interceptors.request.use((config) => { config.headers['x-request-id'] = trace.requestId; config.headers['x-user'] = trace.user; return config; });
      await backend.api.get(`/users/${n % 50}`);
    };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [150, 400, 400]) };
  },
  'axios-interceptor-control': () => {
    const backend = { api: axios.create({ baseURL: 'http://users.internal', adapter }) };
    globalThis.backend = backend;
    backend.api.interceptors.request.use((config) => { config.headers['x-service'] = 'web'; return config; });
    const handle = async () => {
      const trace = { requestId: `req-${n++}`, user: `u${n % 97}`, tags: ['users', 'get', `shard-${n % 8}`], span: span(n) };
      const ejected = backend.api.interceptors.request.use((config) => { config.headers['x-request-id'] = trace.requestId; config.headers['x-user'] = trace.user; return config; });
      await backend.api.get(`/users/${n % 50}`, { headers: { 'x-request-id': trace.requestId } });
      backend.api.interceptors.request.eject(ejected);
    };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [150, 400, 400]) };
  },
  // A plugin host whose request hook gets one more tap per request.
  'tapable-tap-per-request': () => {
    const server = { hooks: { request: new SyncHook(['req']), shutdown: new AsyncSeriesHook([]) }, seen: 0 };
    globalThis.server = server;
    const handle = () => {
      const req = { id: n++, url: `/orders/${n}`, headers: { 'user-agent': 'curl/8' }, span: span(n) };
      server.hooks.request.tap(`audit-${req.id}`, (r) => { if (r.id === req.id) server.seen++; });
      server.hooks.request.call(req);
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [100, 300, 300]) };
  },
  'tapable-control': () => {
    const server = { hooks: { request: new SyncHook(['req']), shutdown: new AsyncSeriesHook([]) }, seen: 0 };
    globalThis.server = server;
    server.hooks.request.tap('audit', () => { server.seen++; });
    const handle = () => { server.hooks.request.call({ id: n++, url: `/orders/${n}`, span: span(n) }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [100, 300, 300]) };
  },
});
