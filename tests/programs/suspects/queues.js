// unbounded-queue: arrays used as queues, buffers or logs that only grow.
'use strict';
const { run, steps } = require('./harness');

let n = 0;
run({
  // A dispatcher's own linked list of jobs: pushed at the tail, never taken (no array at all).
  'linked-jobs': () => {
    class JobNode { constructor(job) { this.job = job; this.next = null; } }
    class JobList { constructor() { this.first = null; this.last = null; this.size = 0; }
      push(job) { const node = new JobNode(job); if (this.last) this.last.next = node; else this.first = node; this.last = node; this.size++; } }
    globalThis.dispatcher = { queue: new JobList() };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) dispatcher.queue.push({ id: n, to: 'user' + n, body: 'hello '.repeat(10) }); }, [20, 400, 400]) };
  },
  // A work queue drained far slower than it is filled.
  'slow-consumer': () => {
    class WorkQueue { constructor() { this.pending = []; } add(job) { this.pending.push(job); } tick() { if (this.pending.length) this.pending.shift(); } }
    const q = new WorkQueue();
    globalThis.workers = { q };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { q.add({ id: n, to: 'user' + n, attempts: [0] }); if (i % 8 === 0) q.tick(); } }, [20, 400, 400]) };
  },
  // A log buffer of strings that is never flushed.
  'string-log': () => {
    const lines = [];
    module.exports.logger = { lines };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) lines.push(`${new Date(1700000000000 + n).toISOString()} GET /items/${n} 200`); }, [20, 400, 400]) };
  },
  // Chunks buffered for a downstream that never drains.
  'buffer-chunks': () => {
    const backlog = [];
    globalThis.uplink = { backlog };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) backlog.push(Buffer.alloc(128, n & 255)); }, [20, 400, 400]) };
  },
  // Latency samples (plain numbers) that are never aggregated away.
  'number-samples': () => {
    const latencies = [];
    globalThis.stats = { latencies };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) latencies.push(Math.random() * 100); }, [20, 4000, 4000]) };
  },
  // [timestamp, value] pairs appended forever.
  'tuple-series': () => {
    const points = [];
    module.exports.metrics = { points };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) points.push([1700000000000 + n, n % 7]); }, [20, 400, 400]) };
  },
  // A Map of 40 users whose per-user event lists only grow (the Map itself stays at 40).
  'per-user-history': () => {
    const history = new Map();
    for (let u = 0; u < 40; u++) history.set('u' + u, []);
    globalThis.activity = { history };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) history.get('u' + (n % 40)).push({ at: n, what: 'click' }); }, [40, 800, 800]) };
  },
  // An audit trail replaced by a longer copy at every append (same place, new array).
  'copied-trail': () => {
    let trail = [];
    const append = (entry) => { trail = trail.concat([entry]); };
    globalThis.audit = { append, get size() { return trail.length; } };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) append({ n, who: 'u' + (n % 9) }); }, [20, 400, 400]) };
  },
  // The same stalled pool as a class: its only worker state is a small-integer counter
  // (`running`) beside the array, so it is a queue, not a registry of callbacks.
  'class-pool': () => {
    class Pool { constructor() { this.running = 0; this.pending = []; } add(fn) { this.pending.push(fn); this.next(); } next() { while (this.running < 1 && this.pending.length) { this.running++; this.pending.shift()(); } } }
    const pool = new Pool();
    globalThis.workers = { pool };
    const hang = (req) => new Promise(() => { req.started = true; });
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; pool.add(() => hang(req)); } }, [20, 300, 300]) };
  },
  // A class keeping jobs in an array and nothing else, drained more slowly than it is filled:
  // the oldest jobs are taken out (consumed), so it is a queue.
  'drained-jobs': () => {
    class Jobs { constructor() { this.list = []; } add(fn) { this.list.push(fn); } drainSome() { for (let i = 0; i < 30 && this.list.length; i++) this.list.shift()(); } }
    const jobs = new Jobs();
    globalThis.backlog = { jobs };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; jobs.add(() => { req.done = true; }); } jobs.drainSome(); }, [40, 300, 300]) };
  },
  // Retry records (a callback and a counter each) worked off more slowly than they come: the
  // oldest are taken out, so it is a queue, not a registry of callbacks.
  'retry-records': () => {
    const retries = { pending: [] };
    globalThis.retries = retries;
    const send = (i) => { const body = 'payload '.repeat(20) + i; return () => body.length; };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) retries.pending.push({ run: send(n++), tries: 0 }); retries.pending.splice(0, Math.floor(k / 3)); }, [30, 600, 600]) };
  },
  // A worker pool whose upstream hangs: each queued job is a closure over its own request
  // (kilobytes each). A queue of pending jobs (bound it), not closures capturing too much.
  'worker-thunks': () => {
    const stalled = () => new Promise(() => {});
    const pool = { running: 0, pending: [], next() { while (this.running < 1 && this.pending.length) { this.running++; this.pending.shift()(); } } };
    globalThis.pool = pool;
    const handle = () => { const req = { id: n, rows: new Array(300).fill(0).map((_, j) => j + n), body: 'x'.repeat(1500) + n++ }; pool.pending.push(() => stalled(req)); pool.next(); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 300, 300]) };
  },
});
