// Allocation-tracked snapshot of a leak: node --expose-gc --track-heap-objects tracked_leak.js OUT
'use strict';
global.sessions = [];
function openSession(i) {
  return { id: i, token: 't' + i, scopes: ['read', 'write'] };
}
for (let i = 0; i < 3000; i++) global.sessions.push(openSession(i));
global.gc();
require('v8').writeHeapSnapshot(process.argv[2]);
