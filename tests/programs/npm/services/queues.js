// Task queues kept as linked lists by the library (fastq, async's queue, p-limit's yocto-queue,
// generic-pool's waiting clients) or arrays (p-queue): a mailer whose upstream stopped answering piles up jobs; the controls
// drain every job. In the p-queue and p-limit cases (and async's with functions as tasks) the
// queued items are closures, each closing over its own request: still a queue, not a closure
// leak.
// Usage: node --expose-gc queues.js CASE OUTDIR  ->  OUTDIR/CASE-1..3.heapsnapshot
'use strict';
const fastq = require('fastq');
const async = require('async');
const genericPool = require('generic-pool');
const { run, steps } = require('../../suspects/harness');

// An upstream that stopped answering (never settles), and one that answers.
const stalled = () => new Promise(() => {});
const answers = () => new Promise((resolve) => setImmediate(resolve));
let n = 0;
const job = () => ({ id: n, to: `user${n}@example.com`, subject: `Your receipt #${n++}`,
  body: `Thanks for your order. `.repeat(8) });
// A job with its rendered message (a couple of kB), as an exporter or a webhook sender keeps it.
const rendered = () => { const mail = job(); mail.html = `<p>${mail.body.repeat(8)}</p><p>#${mail.id}</p>`; return mail; };

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
  // p-queue (ESM, an array per priority): exports queued as closures, the upstream hangs.
  'p-queue-stalled-upstream': async () => {
    const { default: PQueue } = await import('p-queue');
    const exporter = { sent: 0, queue: new PQueue({ concurrency: 2 }) };
    globalThis.exporter = exporter;
    const handle = () => { const mail = rendered(); exporter.queue.add(() => stalled(mail)).catch(() => {}); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [30, 600, 600]) };
  },
  'p-queue-control': async () => {
    const { default: PQueue } = await import('p-queue');
    const exporter = { sent: 0, queue: new PQueue({ concurrency: 2 }) };
    globalThis.exporter = exporter;
    const handle = () => { const mail = rendered(); exporter.queue.add(() => answers(mail).then(() => { exporter.sent++; })); };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) handle(); await exporter.queue.onIdle(); }, [30, 600, 600]) };
  },
  // p-limit (ESM, a linked list of yocto-queue nodes): uploads limited to two at a time.
  'p-limit-stalled-upstream': async () => {
    const { default: pLimit } = await import('p-limit');
    const uploads = { done: 0, limit: pLimit(2) };
    globalThis.uploads = uploads;
    const handle = () => { const mail = rendered(); uploads.limit(() => stalled(mail)).catch(() => {}); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [30, 600, 600]) };
  },
  'p-limit-control': async () => {
    const { default: pLimit } = await import('p-limit');
    const uploads = { done: 0, limit: pLimit(2) };
    globalThis.uploads = uploads;
    const handle = () => { const mail = rendered(); return uploads.limit(() => answers(mail).then(() => { uploads.done++; })); };
    return { phases: steps(async (k) => { const all = []; for (let i = 0; i < k; i++) all.push(handle()); await Promise.all(all); }, [30, 600, 600]) };
  },
  // async.queue whose tasks are functions (the worker calls each): the worker hangs.
  'async-queue-closure-tasks': () => {
    const webhooks = { queue: async.queue((task, callback) => task(callback), 1) };
    globalThis.webhooks = webhooks;
    const handle = () => { const mail = rendered(); webhooks.queue.push((callback) => stalled(mail).then(callback)); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [30, 600, 600]) };
  },
  'async-queue-closure-tasks-control': () => {
    const webhooks = { delivered: 0, queue: async.queue((task, callback) => task(callback), 2) };
    globalThis.webhooks = webhooks;
    const handle = () => { const mail = rendered(); webhooks.queue.push((callback) => answers(mail).then(() => { webhooks.delivered++; callback(); })); };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) handle(); await webhooks.queue.drain(); }, [30, 600, 600]) };
  },
  // generic-pool: connections borrowed and never released, so every later request waits.
  'generic-pool-never-released': () => {
    const db = { pool: genericPool.createPool({ create: async () => ({ socket: n++ }), destroy: async () => {} }, { max: 2 }) };
    globalThis.db = db;
    const handle = () => { const mail = rendered(); db.pool.acquire().then((conn) => { mail.conn = conn; }); };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) handle(); await new Promise((resolve) => setTimeout(resolve, 20)); }, [30, 600, 600]) };
  },
  'generic-pool-control': () => {
    const db = { sent: 0, pool: genericPool.createPool({ create: async () => ({ socket: n++ }), destroy: async () => {} }, { max: 2 }) };
    globalThis.db = db;
    const handle = async () => { const mail = rendered(); const conn = await db.pool.acquire(); mail.conn = conn; db.sent++; db.pool.release(conn); };
    return { phases: steps(async (k) => { const all = []; for (let i = 0; i < k; i++) all.push(handle()); await Promise.all(all); }, [30, 600, 600]) };
  },
});
