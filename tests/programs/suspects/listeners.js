// listener-leak: listeners piling up on one event of a long-lived emitter.
'use strict';
const EventEmitter = require('events');
const { run, steps } = require('./harness');

let n = 0;
run({
  // An observable store keeping its subscribers (plain callbacks) in a Set; a view subscribes
  // per render and never unsubscribes.
  'subscriber-set': () => {
    const store = { state: { n: 0 }, subscribers: new Set(), subscribe(fn) { this.subscribers.add(fn); return () => this.subscribers.delete(fn); } };
    globalThis.app = { store };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const view = { n, rows: new Array(20).fill(n) }; store.subscribe((s) => { view.last = s; }); } }, [5, 300, 300]) };
  },
  // A pub/sub bus of the user's own (a class keeping its subscribers in an array); every
  // request subscribes a callback over its own request data and never unsubscribes.
  'subscriber-bus': () => {
    class Bus {
      constructor() { this.subscribers = []; }
      subscribe(fn) { this.subscribers.push(fn); return () => { const i = this.subscribers.indexOf(fn); if (i >= 0) this.subscribers.splice(i, 1); }; }
      publish(e) { for (const s of this.subscribers) s(e); }
    }
    const bus = new Bus();
    globalThis.events = { bus };
    const request = () => { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; bus.subscribe((e) => { req.seen = e; }); bus.publish(n); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(); }, [20, 300, 300]) };
  },
  // A hub of the user's own keeping handlers in a Map by subscription id (a counter hands the
  // ids out); every request subscribes a handler over its own request data, never removed.
  'handler-map': () => {
    class Hub {
      constructor() { this.handlers = new Map(); this.nextId = 1; }
      on(fn) { const id = this.nextId++; this.handlers.set(id, fn); return () => this.handlers.delete(id); }
      emit(e) { for (const fn of this.handlers.values()) fn(e); }
    }
    const hub = new Hub();
    globalThis.realtime = { hub };
    const request = () => { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; hub.on((e) => { req.last = e; }); hub.emit(n); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(); }, [20, 300, 300]) };
  },
  // A router whose middleware stack gets one more `{path, handle}` record per request.
  'middleware-records': () => {
    const router = { stack: [], use(path, handle) { this.stack.push({ path, handle, strict: false }); } };
    globalThis.web = { router };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const ctx = { n, headers: new Array(20).fill('h' + n) }; router.use('/api', (req) => ctx.headers.length + req); } }, [5, 300, 300]) };
  },
  // A module-level emitter; every widget subscribes and never unsubscribes.
  'module-emitter': () => {
    const hub = new EventEmitter();
    hub.setMaxListeners(0);
    function mount(id) { const view = { id, rows: new Array(30).fill(id) }; hub.on('refresh', () => view.rows.length); }
    module.exports.hub = hub;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) mount(n++); }, [5, 300, 300]) };
  },
  // Node's own process emitter: an 'exit' hook per connection object.
  'process-exit': () => {
    process.setMaxListeners(0);
    class Conn { constructor(i) { this.i = i; this.buf = Buffer.alloc(64); process.on('exit', () => this.close()); } close() { return this.i; } }
    const pool = [];
    return { phases: steps((k) => { for (let i = 0; i < k; i++) pool.push(new Conn(n++)), pool.length > 4 && pool.shift(); }, [5, 300, 300]) };
  },
  // A store (EventEmitter subclass) with components subscribing to 'change'.
  'store-subclass': () => {
    class Store extends EventEmitter { constructor() { super(); this.setMaxListeners(0); this.state = {}; } }
    const store = new Store();
    globalThis.app = { store };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const c = { n, cache: new Array(20).fill(n) }; store.on('change', (s) => { c.last = s; }); } }, [5, 300, 300]) };
  },
  // One long-lived AbortSignal (EventTarget) gets an 'abort' listener per call.
  'abort-signal': () => {
    const shutdown = new AbortController();
    require('events').setMaxListeners(0, shutdown.signal);
    globalThis.lifecycle = { shutdown };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, data: new Array(20).fill(n) }; shutdown.signal.addEventListener('abort', () => job.data.length); } }, [5, 300, 300]) };
  },
  // The same with thousands of listeners: more than any sample a detector looks at.
  'thousands-of-abort-listeners': () => {
    const shutdown = new AbortController();
    require('events').setMaxListeners(0, shutdown.signal);
    globalThis.lifecycle = { shutdown };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, data: [n] }; shutdown.signal.addEventListener('abort', () => job.data.length); } }, [5, 1300, 1300]) };
  },
  // Per request, a signal combining the server's long-lived one with the request's own
  // (AbortSignal.any) gets an 'abort' listener, never removed: Node 20 keeps every such
  // composite signal in a Set of its own module (gcPersistentSignals) while the long-lived
  // signal lives. Node's state, named by Node's module.
  'abort-any': () => {
    const shutdown = new AbortController();
    globalThis.lifecycle = { shutdown };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, data: new Array(20).fill(n) }; const signal = AbortSignal.any([shutdown.signal, new AbortController().signal]); signal.addEventListener('abort', () => job.data.length); } }, [5, 300, 300]) };
  },
  // once() handlers waiting for an event that never comes.
  'once-never': () => {
    const db = new EventEmitter();
    db.setMaxListeners(0);
    globalThis.pool = { db };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const q = { sql: 'select ' + n }; db.once('connected', () => q.sql); } }, [5, 300, 300]) };
  },
  // events.once() promises that never settle: each adds its event's listener and an 'error'
  // one; jobs wait on one of four queues.
  'once-promises': () => {
    const { once } = EventEmitter;
    const worker = new EventEmitter();
    worker.setMaxListeners(0);
    globalThis.runner = { worker };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, input: 'j'.repeat(80) }; once(worker, 'drained:' + (n % 4)).then(() => job.input); } }, [5, 300, 300]) };
  },
  // One event name per job id on a shared emitter ('done:<id>'), never removed.
  'per-id-events': () => {
    const events = new EventEmitter();
    globalThis.jobs = { events };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, out: new Array(10).fill(n) }; events.on('done:' + n, () => job.out); } }, [5, 300, 300]) };
  },
  // Events named per id, each with two listeners (an array of them in `_events`).
  'per-id-event-pairs': () => {
    const events = new EventEmitter();
    globalThis.jobs = { events };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const job = { n, out: new Array(10).fill(n) }; for (let j = 0; j < 2; j++) events.on('done:' + n, () => job.out); } }, [5, 200, 200]) };
  },
});
