// An allocation-tracked snapshot of a leak (tests/test_profiles_*.py):
//   node --expose-gc --track-heap-objects profiles_tracked_leak.js OUT.heapsnapshot COUNT
// openSession makes the LeakedSession objects that pile up in `sessions`; scratch allocates
// as many objects that die. The snapshot's trace_tree names openSession as their allocator.
'use strict';
class LeakedSession {
  constructor(i) { this.id = i; this.token = 't' + i; }
}
const sessions = [];
global.sessions = sessions;

function openSession(i) {
  return new LeakedSession(i);
}

function scratch(i) {
  return new LeakedSession(-i).token.length;
}

const count = Number(process.argv[3]);
let checksum = 0;
for (let i = 0; i < count; i++) {
  sessions.push(openSession(i));
  checksum += scratch(i);
}
global.gc();
require('v8').writeHeapSnapshot(process.argv[2]);
process.exitCode = checksum > 0 ? 0 : 1;
