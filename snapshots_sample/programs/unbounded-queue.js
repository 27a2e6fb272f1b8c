// A job queue filled faster than the worker drains it, and an audit log buffer whose flush
// never runs: both arrays only grow.
'use strict';
const { phases } = require('./harness');

const jobQueue = [];
const auditBuffer = [];
global.worker = { jobQueue, auditBuffer };

let j = 0;
function produce(n) {
  for (let i = 0; i < n; i++, j++) {
    jobQueue.push({ id: j, kind: 'email', to: `u${j}@example.com`, body: 'hello '.repeat(8) });
    auditBuffer.push({ at: 1700000000000 + j, event: 'enqueue', job: j });
  }
  for (let i = 0; i < n / 10; i++) jobQueue.shift(); // the consumer is 10x slower
}
phases('unbounded-queue', process.argv[2], [() => produce(50), () => produce(1500), () => produce(1500)]);
