// Task queues kept as linked lists by the library (fastq, async's queue): a mailer whose
// upstream stopped answering piles up jobs; the controls drain every job.
// Usage: node --expose-gc queues.js CASE OUTDIR  ->  OUTDIR/CASE-1..3.heapsnapshot
'use strict';
const fastq = require('fastq');
const async = require('async');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const job = () => ({ id: n, to: `user${n}@example.com`, subject: `Your receipt #${n++}`,
  body: `Thanks for your order. `.repeat(8) });

run({
  // The SMTP upstream hangs: the worker never calls back, so every later job waits forever.
  'fastq-stalled-worker': () => {
    const mailer = { sent: 0, jobs: fastq((task, done) => { /* connection stalled */ }, 1) };
    globalThis.mailer = mailer;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) mailer.jobs.push(job()); }, [30, 600, 600]) };
  },
  'fastq-control': () => {
    const mailer = { sent: 0, jobs: fastq((task, done) => { mailer.sent++; setImmediate(done); }, 2) };
    globalThis.mailer = mailer;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) mailer.jobs.push(job()); await new Promise((resolve) => { mailer.jobs.drain = resolve; }); }, [30, 600, 600]) };
  },
  // async.queue with a worker that awaits a reply that never comes.
  'async-queue-stalled-worker': () => {
    const notifier = { outbox: async.queue((task, callback) => { /* never answers */ }, 1) };
    globalThis.notifier = notifier;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) notifier.outbox.push(job()); }, [30, 600, 600]) };
  },
  'async-queue-control': () => {
    const notifier = { delivered: 0, outbox: async.queue((task, callback) => { notifier.delivered++; setImmediate(callback); }, 2) };
    globalThis.notifier = notifier;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) notifier.outbox.push(job()); await notifier.outbox.drain(); }, [30, 600, 600]) };
  },
});
