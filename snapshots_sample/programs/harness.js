// Shared by the sample programs: run a workload in phases and write a heap snapshot after each,
// the way an engineer would (baseline, after load, after more load), forcing a GC first.
'use strict';
const v8 = require('v8');
const fs = require('fs');
const path = require('path');

async function phases(name, outDir, steps) {
  fs.mkdirSync(outDir, { recursive: true });
  for (let i = 0; i < steps.length; i++) {
    await steps[i]();
    await new Promise((resolve) => setTimeout(resolve, 50));
    global.gc();
    v8.writeHeapSnapshot(path.join(outDir, `${name}-${i + 1}.heapsnapshot`));
  }
}

module.exports = { phases };
