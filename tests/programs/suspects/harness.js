// Runs one shape of a leak program in phases and writes a heap snapshot after each (forcing a
// GC first), the way an engineer would: baseline, after load, after more load.
// Usage: node --expose-gc FILE.js SHAPE OUTDIR  ->  OUTDIR/SHAPE-1..3.heapsnapshot
'use strict';
const v8 = require('v8');
const path = require('path');

async function run(shapes) {
  const [shape, out] = process.argv.slice(2);
  const make = shapes[shape];
  if (!make) throw new Error(`unknown shape ${shape}`);
  const { phases, done } = await make();
  for (let i = 0; i < phases.length; i++) {
    await phases[i]();
    await new Promise((resolve) => setTimeout(resolve, 20));
    global.gc();
    v8.writeHeapSnapshot(path.join(out, `${shape}-${i + 1}.heapsnapshot`));
  }
  if (done) await done();
  process.exit(0);
}

// [a, b, c] -> three phases calling step(a), step(b), step(c)
const steps = (step, sizes) => sizes.map((k) => () => step(k));

module.exports = { run, steps };
