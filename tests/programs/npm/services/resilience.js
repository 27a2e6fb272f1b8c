// Circuit breakers and rate limiters (opossum, bottleneck): one made per request around the
// upstream call and never shut down, each keeping its own interval timers (opossum's rolling
// window, bottleneck's reservoir refresh). The controls share one per upstream, or shut the
// per-request one down when the call is done.
'use strict';
const CircuitBreaker = require('opossum');
const Bottleneck = require('bottleneck');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const request = () => ({ id: n, url: `/api/orders/${n}`, user: `user${n % 50}`,
  body: 'x'.repeat(200) + n++, items: Array.from({ length: 6 }, (_, i) => ({ sku: i, qty: 1 })) });
const fetchOrder = async (req) => ({ id: req.id, total: req.items.length });
const each = (handle) => steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [10, 200, 200]);

// A breaker made per request around its upstream call; `close` says whether it is shut down
// when the call is done (the control) or left running (the leak).
const breakerPerRequest = (close) => () => {
  const upstream = { calls: 0 };
  globalThis.upstream = upstream;
  return { phases: each(async () => {
    const req = request();
    const breaker = new CircuitBreaker(() => fetchOrder(req), { timeout: 1000 });
    await breaker.fire();
    if (close) breaker.shutdown();
    upstream.calls++;
  }) };
};
// A limiter with a refilling reservoir made per tenant request, disconnected or not.
const limiterPerRequest = (close) => () => {
  const api = { sent: 0 };
  globalThis.api = api;
  return { phases: each(async () => {
    const req = request();
    const limiter = new Bottleneck({ reservoir: 100, reservoirRefreshAmount: 100, reservoirRefreshInterval: 60000 });
    await limiter.schedule(() => fetchOrder(req));
    if (close) await limiter.disconnect();
    api.sent++;
  }) };
};

run({
  'opossum-breaker-per-request': breakerPerRequest(false),
  'opossum-control': () => {
    const upstream = { calls: 0, breaker: new CircuitBreaker((req) => fetchOrder(req), { timeout: 1000 }) };
    globalThis.upstream = upstream;
    return { phases: each(async () => { await upstream.breaker.fire(request()); upstream.calls++; }),
      done: () => upstream.breaker.shutdown() };
  },
  'opossum-shutdown-control': breakerPerRequest(true),
  'bottleneck-limiter-per-request': limiterPerRequest(false),
  'bottleneck-control': () => {
    const api = { sent: 0, limiter: new Bottleneck({ reservoir: 100000, reservoirRefreshAmount: 100000, reservoirRefreshInterval: 60000 }) };
    globalThis.api = api;
    return { phases: each(async () => { const req = request(); await api.limiter.schedule(() => fetchOrder(req)); api.sent++; }),
      done: () => api.limiter.disconnect() };
  },
  'bottleneck-disconnect-control': limiterPerRequest(true),
});
