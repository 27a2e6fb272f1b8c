// A service-like module whose cache keeps its identity and grows, plus churn that is freed.
// Writes three snapshots: node --expose-gc growing_map.js OUTDIR
'use strict';
const v8 = require('v8');
const path = require('path');
const out = process.argv[2];
class CachedProfile {
  constructor(id) { this.id = id; this.name = 'user-' + id; this.roles = ['reader', 'r' + (id % 7)]; }
}
const registry = { profiles: new Map() };
global.registry = registry;
let next = 0;
function handle(count) {
  for (let i = 0; i < count; i++) {
    const id = next++;
    registry.profiles.set(id, new CachedProfile(id));
    const scratch = { body: 'x'.repeat(64) + id };  // per-request garbage
    scratch.body.length;
  }
}
for (let phase = 1; phase <= 3; phase++) {
  handle(phase === 1 ? 50 : 400);
  global.gc();
  v8.writeHeapSnapshot(path.join(out, `growing-${phase}.heapsnapshot`));
}
