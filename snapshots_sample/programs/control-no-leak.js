// Controls that do NOT leak: a bounded LRU at steady state, listeners that are removed,
// intervals that are cleared, a queue that is drained.
'use strict';
const EventEmitter = require('events');
const { phases } = require('./harness');

class LruCache {
  constructor(limit) { this.limit = limit; this.map = new Map(); }
  get(key) {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }
  set(key, value) {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value);
    this.map.set(key, value);
  }
}
const sessionCache = new LruCache(500);
const bus = new EventEmitter();
const queue = [];
global.stable = { sessionCache, bus, queue };

let k = 0;
function work(n) {
  return () => {
    for (let i = 0; i < n; i++, k++) {
      sessionCache.set('s' + k, { id: k, roles: ['a', 'b'] });
      const onTick = () => k;
      bus.on('tick', onTick);
      bus.off('tick', onTick);
      const timer = setInterval(() => k, 1000);
      clearInterval(timer);
      queue.push({ k });
      while (queue.length > 10) queue.shift();
    }
  };
}
phases('control-no-leak', process.argv[2], [work(600), work(1500), work(1500)]);
