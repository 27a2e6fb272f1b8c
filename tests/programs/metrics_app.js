// A small service for the metrics tests, run with the leaktui preload:
//   node --expose-gc -r PRELOAD metrics_app.js leak|steady SECONDS
// `leak` keeps what it allocates; `steady` allocates the same amount and drops it (a GC
// sawtooth around a flat floor). A full GC every 250 ms stands in for the major collections
// a long-running service sees, so a few seconds show where the floor goes.
'use strict';
const mode = process.argv[2];
const seconds = Number(process.argv[3] || 5);
const kept = [];
const timer = setInterval(() => {
  const batch = [];
  for (let i = 0; i < 2000; i++) batch.push({ i, s: 'x'.repeat(100) + i });
  if (mode === 'leak') kept.push(batch);
}, 20);
const collector = setInterval(() => global.gc(), 250);
setTimeout(() => { clearInterval(timer); clearInterval(collector); process.exit(0); }, seconds * 1000);
