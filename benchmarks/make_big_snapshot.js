// Writes a large heap snapshot shaped like a leaking service: a global cache (Map) of session
// objects with strings, arrays and nested plain objects, per-session closures, and chains.
// Usage: node --max-old-space-size=16000 benchmarks/make_big_snapshot.js OUT.heapsnapshot SIZE_MB [N]
// With N > 1, writes a series OUT-1 .. OUT-N from the same process, growing ~5% between them.
'use strict';
const v8 = require('v8');
const out = process.argv[2];
const targetMb = Number(process.argv[3] || 100);
// ~500 bytes of snapshot file per unit below (measured on Node 20).
const units = Math.max(1000, Math.round(targetMb * 1e6 / 500));

class Session {
  constructor(i, prev) {
    this.id = i;
    this.user = 'user-' + i;
    this.tags = [i, 'tag' + (i % 97)];
    this.meta = {createdAt: i, region: 'r' + (i % 13), prev};
  }
}
const cache = new Map();
const handlers = [];
let prev = null;
let next = 0;
function grow(count) {
  for (let i = 0; i < count; i++, next++) {
    const s = new Session(next, (next % 50) ? prev : null);
    prev = s;
    if (next % 3 === 0) cache.set('k' + next, s);
    if (next % 25 === 0) handlers.push(() => s.id);
  }
}
global.appCache = cache;
global.appHandlers = handlers;
const count = Number(process.argv[4] || 1);
grow(units);
for (let k = 1; k <= count; k++) {
  if (k > 1) grow(Math.round(units * 0.05));
  global.appTail = prev;
  const file = count > 1 ? out.replace(/(\.heapsnapshot)?$/, `-${k}.heapsnapshot`) : out;
  const t0 = Date.now();
  v8.writeHeapSnapshot(file);
  console.log(`wrote ${file} (${next} units) in ${Date.now() - t0} ms`);
}
