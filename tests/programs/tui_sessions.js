// The TUI tests' program: a session cache that never evicts (the tests follow a Session up
// to `leakyCache`), a closure that captures its config, a long string, a weak
// reference and a cycle.
'use strict';

class Session {
  constructor(id) {
    this.id = id;
    this.user = `user-${id}`;
    this.payload = new Array(16).fill(id);
  }
}

global.leakyCache = new Map();
for (let i = 0; i < 500; i++) global.leakyCache.set(`s${i}`, new Session(i));

function makeHandler(config) {
  return function onRequest(req) {
    return config.prefix + req;
  };
}

global.handler = makeHandler({ prefix: 'leaktui-test-prefix', limit: 10 });
global.banner = ['leaktui banner ', 'x'.repeat(300)].join('');
global.watcher = new WeakRef(global.leakyCache.get('s0'));  // a weak edge to one Session
global.ring = { name: 'ring-a' };
global.ring.next = { name: 'ring-b', back: global.ring };  // a cycle: ring -> next -> ring
global.gc();
require('v8').writeHeapSnapshot(process.argv[2]);
