// One object of each way a path can reach it, for tests/test_paths.py: a Map entry under a
// string key, an array element, a property chain (one name not an identifier), a closure's
// captured variable, a WeakMap value (an ephemeron edge from its key). Writes one snapshot
// into the folder given as argv[2].
class ProfileEntry { constructor(name) { this.name = name; } }
class QueueItem { constructor(i) { this.i = i; } }
class ChainLeaf { constructor() { this.leaf = true; } }
class Captured { constructor() { this.secret = 1; } }
class WeakValue { constructor() { this.v = 1; } }

global.services = { profiles: { userCache: new Map() } };
for (let i = 0; i < 4; i++) services.profiles.userCache.set('user-' + i, new ProfileEntry('u' + i));
global.jobs = { queue: [new QueueItem(0), new QueueItem(1), new QueueItem(2)] };
global.config = { 'x-tenant': { settings: { leaf: new ChainLeaf() } } };
global.pricing = (function () {
  const cache = new Captured();
  return { quote() { return cache; } };
})();
global.sessionKey = { k: 1 };
global.attached = new WeakMap();
attached.set(sessionKey, new WeakValue());
global.gc();
require('v8').writeHeapSnapshot(require('path').join(process.argv[2], 'paths.heapsnapshot'));
