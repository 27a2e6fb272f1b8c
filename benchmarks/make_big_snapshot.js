// Writes a large heap snapshot shaped like a leaking service: a global cache (Map) of session
// objects with strings, arrays and nested plain objects, per-session closures, and chains.
// Usage: node --max-old-space-size=16000 benchmarks/make_big_snapshot.js OUT.heapsnapshot SIZE_MB
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
for (let i = 0; i < units; i++) {
  const s = new Session(i, (i % 50) ? prev : null);
  prev = s;
  if (i % 3 === 0) cache.set('k' + i, s);
  if (i % 25 === 0) handlers.push(() => s.id);
}
global.appCache = cache;
global.appHandlers = handlers;
global.appTail = prev;
const t0 = Date.now();
v8.writeHeapSnapshot(out);
console.log(`wrote ${out} (${units} units) in ${Date.now() - t0} ms`);
