// A service whose session Map grows, snapshotted COUNT times and numbered without padding
// (`app-1` ... `app-11`) as older captures did, so a shell glob lists them out of order.
// Usage: node --expose-gc numbered_series.js OUTDIR COUNT
'use strict';
const v8 = require('v8');
const path = require('path');
const [out, count] = [process.argv[2], Number(process.argv[3] || 11)];
const sessions = new Map();
globalThis.auth = { sessions };
let n = 0;
for (let i = 1; i <= count; i++) {
  for (let k = 0; k < (i === 1 ? 20 : 150); k++, n++) sessions.set(`user-${n}`, { id: n, roles: ['reader'], seen: [n] });
  global.gc();
  v8.writeHeapSnapshot(path.join(out, `app-${i}.heapsnapshot`));
}
