// prom-client and OpenTelemetry metrics labelled with values that never repeat (user ids, raw
// URLs); the controls label by route template and status.
'use strict';
const client = require('prom-client');
const otel = require('@opentelemetry/sdk-metrics');
const { run, steps } = require('../../suspects/harness');

let n = 0;
// Session ids as services mint them (hex tokens).
const sessionId = (i) => ((i + 1) * 2654435761 % 4294967296).toString(16).padStart(8, '0') + (i * 40503 % 65536).toString(16).padStart(8, '0');
const routes = ['/users/:id', '/carts/:id', '/orders/:id', '/health'];

// A meter provider exporting every 10 minutes (its reader's timer), flushed after each round
// as a periodic export would.
function otelMeters() {
  const exporter = new otel.InMemoryMetricExporter(otel.AggregationTemporality.CUMULATIVE);
  const reader = new otel.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600000 });
  const meter = new otel.MeterProvider({ readers: [reader] }).getMeter('shop-api');
  return {
    duration: meter.createHistogram('http.server.request.duration', { unit: 'ms' }),
    requests: meter.createCounter('http.server.requests'),
    flush: async () => { await reader.forceFlush(); exporter.reset(); },
  };
}

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
  // OpenTelemetry's SDK keeps one accumulation per attribute set (cumulative temporality) and
  // is reached through its reader's export interval: per-request attributes (the raw URL, the
  // user) make a new set per request, under the SDK's default limit of 2,000.
  'otel-metrics-url-attribute': () => {
    const { duration, requests, flush } = otelMeters();
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) { const attrs = { 'http.method': 'GET', 'http.route': `/api/products/${n % 25}?q=shoe${n}`, 'user.id': `user-${n}` }; duration.record(5 + (n % 50), attrs); requests.add(1, attrs); } await flush(); }, [20, 600, 600]) };
  },
  'otel-metrics-control': () => {
    const { duration, requests, flush } = otelMeters();
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) { const attrs = { 'http.method': 'GET', 'http.route': '/api/products/:id', 'http.status_class': n % 10 ? '2xx' : '5xx' }; duration.record(5 + (n % 50), attrs); requests.add(1, attrs); } await flush(); }, [20, 600, 600]) };
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
