// A leak to profile: node --no-opt --heap-prof ... profile_leak.js
// (--no-opt keeps V8 from inlining leakyHandler into its caller, so allocations stay with it.)
'use strict';
global.retained = [];
function leakyHandler(i) {
  global.retained.push({ i, payload: 'p'.repeat(200) + i });
}
for (let i = 0; i < 20000; i++) leakyHandler(i);
