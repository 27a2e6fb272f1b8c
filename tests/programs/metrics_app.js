// A small service for the metrics tests, run with the leaktui preload:
//   node -r PRELOAD metrics_app.js leak|steady SECONDS
// Every 10 ms it builds a batch of 2000 small objects. `steady` drops each batch (garbage the
// collector takes back: a sawtooth around a flat floor); `leak` keeps a tenth of every batch
// in a module-level array (a floor that climbs). Collections are left to V8.
'use strict';
const mode = process.argv[2];
const seconds = Number(process.argv[3] || 5);
const kept = [];
let last = null;
const timer = setInterval(() => {
  const batch = [];
  for (let i = 0; i < 2000; i++) batch.push({ i, s: 'x'.repeat(100) + i });
  if (mode === 'leak') kept.push(batch.slice(0, 200));
  last = batch;
}, 10);
setTimeout(() => { clearInterval(timer); last = null; }, seconds * 1000);
