// prom-client metrics labelled with values that never repeat (user ids, raw URLs); the
// controls label by route template and status.
'use strict';
const client = require('prom-client');
const { run, steps } = require('../../suspects/harness');

let n = 0;
// Session ids as services mint them (hex tokens).
const sessionId = (i) => ((i + 1) * 2654435761 % 4294967296).toString(16).padStart(8, '0') + (i * 40503 % 65536).toString(16).padStart(8, '0');
const routes = ['/users/:id', '/carts/:id', '/orders/:id', '/health'];

run({
  'prom-client-counter-session-label': () => {
    const registry = new client.Registry();
    const metrics = { requests: new client.Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['session', 'status'], registers: [registry] }), registry };
    globalThis.metrics = metrics;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) metrics.requests.inc({ session: sessionId(n), status: 200 }); }, [20, 500, 500]) };
  },
  'prom-client-histogram-url-label': () => {
    const registry = new client.Registry();
    const metrics = { latency: new client.Histogram({ name: 'http_request_seconds', help: 'latency', labelNames: ['url'], buckets: [0.01, 0.1, 1], registers: [registry] }), registry };
    globalThis.metrics = metrics;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) metrics.latency.observe({ url: `/carts/${n}?ref=mail` }, (n % 50) / 100); }, [20, 300, 300]) };
  },
  'prom-client-control': () => {
    const registry = new client.Registry();
    const metrics = {
      requests: new client.Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['route', 'status'], registers: [registry] }),
      latency: new client.Histogram({ name: 'http_request_seconds', help: 'latency', labelNames: ['route'], buckets: [0.01, 0.1, 1], registers: [registry] }),
      registry };
    globalThis.metrics = metrics;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const route = routes[n % routes.length]; metrics.requests.inc({ route, status: n % 10 ? 200 : 500 }); metrics.latency.observe({ route }, (n % 50) / 100); } }, [20, 500, 500]) };
  },
});
