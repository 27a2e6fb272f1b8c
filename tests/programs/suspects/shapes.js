// Leak shapes other than the samples', with other names, for the detectors' tests.
// Usage: node --expose-gc shapes.js SHAPE OUTDIR   (writes SHAPE-1..3.heapsnapshot)
'use strict';
const EventEmitter = require('events');
const http = require('http');
const crypto = require('crypto');
const v8 = require('v8');
const path = require('path');

const shape = process.argv[2];
const out = process.argv[3];
let n = 0;

async function series(step, sizes) {
  for (let i = 0; i < sizes.length; i++) {
    await step(sizes[i]);
    await new Promise((r) => setTimeout(r, 30));
    global.gc();
    v8.writeHeapSnapshot(path.join(out, `${shape}-${i + 1}.heapsnapshot`));
  }
}

const shapes = {
  // A plain object used as a dictionary, keyed by numeric account ids.
  'object-cache': () => {
    const accounts = {};
    global.state = { accounts };
    return series((k) => { for (let i = 0; i < k; i++, n++) accounts[n * 3] = { n, plan: 'p' + (n % 4), seats: [n] }; },
      [40, 1200, 1200]);
  },
  // A Set of one-off session tokens.
  'token-set': () => {
    const seenTokens = new Set();
    global.auth = { seenTokens };
    return series((k) => { for (let i = 0; i < k; i++) seenTokens.add(crypto.randomUUID() + ':' + Date.now()); },
      [40, 1500, 1500]);
  },
  // Listeners added to Node's own `process` emitter per job, never removed.
  'process-listeners': () => {
    process.setMaxListeners(0);
    return series((k) => {
      for (let i = 0; i < k; i++, n++) {
        const job = { n, buffer: new Array(32).fill(n) };
        process.on('SIGUSR2', () => job.n);
      }
    }, [5, 400, 400]);
  },
  // A subclassed emitter whose subscribers leak.
  'subclass-emitter': () => {
    class Notifier extends EventEmitter {}
    const notifier = new Notifier();
    notifier.setMaxListeners(0);
    global.notifications = notifier;
    return series((k) => {
      for (let i = 0; i < k; i++, n++) {
        const inbox = { owner: n, items: [] };
        notifier.on('mail', (m) => inbox.items.push(m));
      }
    }, [5, 500, 500]);
  },
  // Intervals whose callback is a bound method.
  'bound-intervals': () => {
    class Heartbeat { constructor(id) { this.id = id; this.log = new Array(16).fill(id); } beat() { return this.id; } }
    return series((k) => { for (let i = 0; i < k; i++, n++) { const h = new Heartbeat(n); setInterval(h.beat.bind(h), 30000); } },
      [5, 300, 300]);
  },
  // Outgoing HTTP requests kept in an array after they completed.
  'client-requests': () => {
    const server = http.createServer((req, res) => res.end('pong'));
    const sent = [];
    global.telemetry = { sent, server };
    return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)).then(() => series(async (k) => {
      for (let i = 0; i < k; i++) {
        await new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: server.address().port, agent: false }, (res) => { res.resume(); res.on('end', resolve); });
          sent.push(req);
        });
      }
    }, [3, 60, 60])).then(() => server.close());
  },
  // Callbacks stored in a Map, each capturing a large buffer.
  'callback-map': () => {
    const callbacks = new Map();
    global.hooks = { callbacks };
    return series((k) => {
      for (let i = 0; i < k; i++, n++) {
        const scratch = { rows: new Array(2000).fill(0).map((_, j) => j + n) };
        const size = scratch.rows.length;
        callbacks.set('cb' + n, function onDone() { return scratch.rows[0] + size; });
      }
    }, [2, 25, 25]);
  },
  // Does not leak: a Set trimmed to 200, once() listeners that fire, intervals cleared.
  'control': () => {
    const recent = new Set();
    const bus = new EventEmitter();
    global.healthy = { recent, bus };
    return series((k) => {
      for (let i = 0; i < k; i++, n++) {
        recent.add('r' + n);
        if (recent.size > 200) recent.delete(recent.values().next().value);
        bus.once('ready', () => n);
        clearInterval(setInterval(() => n, 1000));
      }
      bus.emit('ready');
    }, [300, 1000, 1000]);
  },
};

Promise.resolve(shapes[shape]()).then(() => process.exit(0));
