// unbounded-queue: arrays used as queues, buffers or logs that only grow.
'use strict';
const { run, steps } = require('./harness');

let n = 0;
run({
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
});
