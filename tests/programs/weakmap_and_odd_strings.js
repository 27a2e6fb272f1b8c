// WeakMap/WeakSet entries (ephemeron edges), two-byte strings (a lone surrogate, emoji) and a
// cons string. Made tests/data/node20-weakmap.heapsnapshot.gz (golden: tests/golden/).
// Usage: node --expose-gc weakmap_and_odd_strings.js OUTDIR
'use strict';
const path = require('path');
global.wm = new WeakMap();
global.keys = [];
for (let i = 0; i < 50; i++) {
  const k = { k: i };
  keys.push(k);
  wm.set(k, { v: 'val' + i, arr: [i] });
}
global.ws = new WeakSet(keys);
wm.set({ dropped: true }, { lost: true });
global.odd = { lone: 'x\ud800y' + Date.now(), long: '\ud83d\ude00'.repeat(600), cons: 'a'.repeat(20) };
global.odd.cons += 'b'.repeat(20);
global.gc();
require('v8').writeHeapSnapshot(path.join(process.argv[2], 'weakmap.heapsnapshot'));
