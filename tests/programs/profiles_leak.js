// A leak for the sampling heap profiler (tests/test_profiles_*.py):
//   node --no-opt --expose-gc --heap-prof --heap-prof-dir=DIR --heap-prof-interval=1024 \
//        profiles_leak.js [natural]
// retainRequest keeps every request body; churn allocates as much and keeps nothing, so after
// the last collection only retainRequest's samples are alive. (--no-opt: V8 charges an inlined
// function's allocations to its caller; without inlining the attribution is deterministic.)
// It ends with process.exit(): when the event loop simply runs dry ("natural"), Node 20
// writes the profile after the CommonJS script is gone, with url "" and line -1 for its code.
'use strict';
const retained = [];
global.retained = retained;

function retainRequest(i) {
  retained.push({ id: i, body: 'b'.repeat(256) + i });
}

function churn(i) {
  return JSON.stringify({ id: i, body: 'c'.repeat(256) }).length;
}

let checksum = 0;
for (let i = 0; i < 20000; i++) {
  retainRequest(i);
  checksum += churn(i);
}
global.gc();
if (process.argv[2] !== 'natural') process.exit(checksum > 0 ? 0 : 1);
