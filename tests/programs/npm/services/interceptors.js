// HTTP client interceptors and hooks registered per request (axios, tapable) instead of once.
// No network: axios gets an adapter that answers in process.
'use strict';
const axios = require('axios');
const { SyncHook, AsyncSeriesHook } = require('tapable');
const { run, steps } = require('../../suspects/harness');

// Answers every request in process, as a stub backend would.
const adapter = async (config) => ({ data: { ok: true, url: config.url }, status: 200,
  statusText: 'OK', headers: {}, config, request: {} });

let n = 0;
run({
  // Each request adds its own interceptor to stamp the request id; none is ever ejected.
  'axios-interceptor-per-request': () => {
    const backend = { api: axios.create({ baseURL: 'http://users.internal', adapter }) };
    globalThis.backend = backend;
    const handle = async () => {
      const requestId = `req-${n++}`;
      backend.api.interceptors.request.use((config) => { config.headers['x-request-id'] = requestId; return config; });
      await backend.api.get(`/users/${n % 50}`);
    };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [20, 400, 400]) };
  },
  'axios-interceptor-control': () => {
    const backend = { api: axios.create({ baseURL: 'http://users.internal', adapter }) };
    globalThis.backend = backend;
    backend.api.interceptors.request.use((config) => { config.headers['x-service'] = 'web'; return config; });
    const handle = async () => {
      const requestId = `req-${n++}`;
      const ejected = backend.api.interceptors.request.use((config) => { config.headers['x-request-id'] = requestId; return config; });
      await backend.api.get(`/users/${n % 50}`, { headers: { 'x-request-id': requestId } });
      backend.api.interceptors.request.eject(ejected);
    };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [20, 400, 400]) };
  },
  // A plugin host whose request hook gets one more tap per request.
  'tapable-tap-per-request': () => {
    const server = { hooks: { request: new SyncHook(['req']), shutdown: new AsyncSeriesHook([]) }, seen: 0 };
    globalThis.server = server;
    const handle = () => {
      const req = { id: n++, url: `/orders/${n}`, headers: { 'user-agent': 'curl/8' } };
      server.hooks.request.tap(`audit-${req.id}`, (r) => { if (r.id === req.id) server.seen++; });
      server.hooks.request.call(req);
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 300, 300]) };
  },
  'tapable-control': () => {
    const server = { hooks: { request: new SyncHook(['req']), shutdown: new AsyncSeriesHook([]) }, seen: 0 };
    globalThis.server = server;
    server.hooks.request.tap('audit', () => { server.seen++; });
    const handle = () => { server.hooks.request.call({ id: n++, url: `/orders/${n}` }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 300, 300]) };
  },
});
