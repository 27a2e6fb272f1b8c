// Programs that do NOT leak: bounded or steady structures, listeners removed, timers cleared,
// queues drained, a large structure that is loaded once and never grows.
'use strict';
const EventEmitter = require('events');
const http = require('http');
const { run, steps } = require('./harness');

let n = 0;
run({
  // A fixed ring of 2,048 slots (as piscina's task queue keeps): each job taken out leaves
  // `undefined` in its slot, so the slots ever used grow while the ring holds one job.
  'fixed-ring': () => {
    const ring = { list: new Array(2048), top: 0, bottom: 0 };
    const push = (job) => { ring.list[ring.top] = job; ring.top = (ring.top + 1) & 2047; };
    const shift = () => { const job = ring.list[ring.bottom]; ring.list[ring.bottom] = undefined; ring.bottom = (ring.bottom + 1) & 2047; return job; };
    globalThis.jobs = { ring };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { push({ n, payload: 'p'.repeat(50) }); shift(); } }, [60, 600, 600]) };
  },
  // A tree built once at startup (one of its paths: forty nodes along '.left'), and hundreds
  // of two-node pairs: more chains than an older snapshot's summary keeps. Only requests
  // that come and go follow.
  'old-tree': () => {
    class TreeNode { constructor(i, left) { this.left = left; this.label = 'node ' + i + ' '.repeat(2000); } }
    class Pair { constructor(next) { this.next = next; } }
    let left = null;
    for (let i = 0; i < 40; i++) left = new TreeNode(i, left);
    const pairs = [];
    for (let i = 0; i < 300; i++) pairs.push(new Pair(new Pair(null)));
    globalThis.lookup = { tree: { root: left }, pairs };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const req = { n, body: 'x'.repeat(400) }; globalThis.lastRequest = req; } }, [20, 400, 400]) };
  },
  // LRU bounded at 300 (full from the first phase on), TTL cache swept, ring buffer.
  'bounded': () => {
    const lru = new Map();
    const ttl = new Map();
    const ring = new Array(256).fill(null);
    globalThis.stable = { lru, ttl, ring };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) {
      lru.set('k' + n, { n, v: [n] }); if (lru.size > 300) lru.delete(lru.keys().next().value);
      ttl.set(n, { exp: n + 100 }); for (const [key, e] of ttl) { if (e.exp < n) ttl.delete(key); else break; }
      ring[n % ring.length] = { n };
    } }, [400, 400, 400]) };
  },
  // Listeners removed, once() that fires, intervals cleared, timeouts that fire.
  'lifecycle': () => {
    const bus = new EventEmitter();
    const ac = new AbortController();
    globalThis.life = { bus, ac };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) {
      const f = () => n; bus.on('tick', f); bus.off('tick', f);
      bus.once('ready', () => n);
      const g = () => n; ac.signal.addEventListener('abort', g); ac.signal.removeEventListener('abort', g);
      clearInterval(setInterval(() => n, 1000));
      setTimeout(() => n, 1);
    } bus.emit('ready'); await new Promise((r) => setTimeout(r, 10)); }, [300, 300, 300]) };
  },
  // A big lookup table loaded at start, read afterwards; many stable timers and listeners.
  'static-large': () => {
    const countries = new Map();
    for (let i = 0; i < 5000; i++) countries.set('c' + i, { code: i, name: 'Country ' + i });
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    for (let i = 0; i < 40; i++) bus.on('config', () => i);
    for (let i = 0; i < 20; i++) setInterval(() => i, 60000).unref();
    const config = { big: new Array(20000).fill('setting') };
    const handler = () => config.big.length;
    globalThis.geo = { countries, bus, handler };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) countries.get('c' + (i % 5000)); handler(); }, [100, 100, 100]) };
  },
  // A module's state: a couple of dozen named fields (clients, parsed config, buffers) that
  // hold most of the heap, set up once and never grown.
  'module-state': () => {
    const state = {};
    for (const name of ['db', 'cache', 'config', 'schema', 'templates', 'routes', 'i18n',
      'metrics', 'pool', 'logger', 'flags', 'keys', 'assets', 'rules', 'queue', 'geo', 'acl',
      'hooks', 'jobs', 'mailer', 'search', 'session', 'limits', 'audit']) {
      state[name] = { name, data: new Array(4000).fill(0).map((_, i) => name + ':' + i) };
    }
    globalThis.app = { state };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) state.flags.data[i % 10]; }, [10, 10, 10]) };
  },
  // The same pub/sub bus, but each request unsubscribes when it is done.
  'unsubscribing-bus': () => {
    class Bus {
      constructor() { this.subscribers = []; }
      subscribe(fn) { this.subscribers.push(fn); return () => { const i = this.subscribers.indexOf(fn); if (i >= 0) this.subscribers.splice(i, 1); }; }
      publish(e) { for (const s of this.subscribers) s(e); }
    }
    const bus = new Bus();
    globalThis.events = { bus };
    const request = () => { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; const off = bus.subscribe((e) => { req.seen = e; }); bus.publish(n); off(); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(); }, [20, 300, 300]) };
  },
  // Each upstream call gets AbortSignal.timeout(30 s) and completes at once: Node keeps the
  // timeouts of calls still in flight (and clears them when their signal is collected).
  'abort-timeouts': () => {
    const upstream = { calls: 0 };
    globalThis.upstream = upstream;
    const call = async () => { const job = { n: n++, data: new Array(20).fill(n) }; const signal = AbortSignal.timeout(30000); await new Promise((r) => setImmediate(r)); if (!signal.aborted) upstream.calls += job.data.length; };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await call(); }, [10, 200, 200]) };
  },
  // The same hub of handlers by id, but each request removes its handler when done.
  'unsubscribing-hub': () => {
    class Hub {
      constructor() { this.handlers = new Map(); this.nextId = 1; }
      on(fn) { const id = this.nextId++; this.handlers.set(id, fn); return () => this.handlers.delete(id); }
      emit(e) { for (const fn of this.handlers.values()) fn(e); }
    }
    const hub = new Hub();
    globalThis.realtime = { hub };
    const request = () => { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; const off = hub.on((e) => { req.last = e; }); hub.emit(n); off(); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(); }, [20, 300, 300]) };
  },
  // An HTTP server that cleans up its per-request state, and a drained queue.
  'clean-server': async () => {
    const inflight = new Map();
    const queue = [];
    let seq = 0;
    const server = http.createServer((req, res) => {
      const id = ++seq; inflight.set(id, { req, res }); queue.push({ id });
      res.on('finish', () => inflight.delete(id));
      res.end('ok');
      while (queue.length) queue.shift();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    globalThis.svc = { inflight, queue, server };
    const hit = () => new Promise((resolve) => http.get({ host: '127.0.0.1', port: server.address().port, agent: false }, (res) => { res.resume(); res.on('end', resolve); }));
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await hit(); }, [40, 40, 40]), done: () => server.close() };
  },
});
