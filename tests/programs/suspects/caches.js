// unbounded-cache: collections keyed by stable ids that only grow (never evicted).
'use strict';
const { run, steps } = require('./harness');

class Profile {
  constructor(id) { this.id = id; this.name = 'user ' + id; this.roles = ['reader', 'writer']; this.prefs = { theme: 'dark', id }; }
}
class Order {
  constructor(n) { this.n = n; this.lines = [{ sku: n % 50, qty: 1 }, { sku: (n + 7) % 50, qty: 2 }]; }
}

let next = 0;
run({
  // A module-level Map keyed by numeric user ids (no global involved).
  // A cache hung on the process object (shared across modules that way): Node's global
  // `process` is an accessor reading a variable of its bootstrap module.
  'process-cache': () => {
    process.lookupCache = new Map();
    return { phases: steps((k) => { for (let i = 0; i < k; i++, next++) process.lookupCache.set('host-' + next, { address: '10.0.' + (next % 256), at: next }); }, [20, 400, 400]) };
  },
  'module-map': () => {
    const profileCache = new Map();
    function loadProfile(id) {
      if (!profileCache.has(id)) profileCache.set(id, new Profile(id));
      return profileCache.get(id);
    }
    return { phases: steps((k) => { for (let i = 0; i < k; i++) loadProfile(next++); }, [20, 400, 400]),
      done: () => loadProfile(0) };
  },
  // A service class whose store keeps every account it ever saw.
  'class-store': () => {
    class AccountService { constructor() { this.byKey = new Map(); }
      get(n) { const key = 'acct-' + n; let a = this.byKey.get(key); if (!a) { a = { key, balance: n * 3, history: [n, n + 1, n + 2] }; this.byKey.set(key, a); } return a; } }
    const service = new AccountService();
    module.exports.service = service;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) service.get(next++); }, [20, 400, 400]) };
  },
  // A null-prototype object used as a dictionary.
  'object-dict': () => {
    const catalog = Object.create(null);
    globalThis.shop = { catalog };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, next++) catalog['sku' + next] = { price: next, stock: [next % 9] }; }, [20, 400, 400]) };
  },
  // memoize(): the cache lives in the closure of the returned function.
  'memoized': () => {
    function memoize(fn) { const memo = new Map(); return (x) => { if (!memo.has(x)) memo.set(x, fn(x)); return memo.get(x); }; }
    const price = memoize((n) => ({ n, total: n * 1.19, breakdown: [n, n * 0.19] }));
    globalThis.pricing = price;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) price(next++); }, [20, 400, 400]) };
  },
  // A Set of order objects that are never removed.
  'object-set': () => {
    const processed = new Set();
    globalThis.orders = { processed };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) processed.add(new Order(next++)); }, [20, 400, 400]) };
  },
  // Few entries, each large: rendered pages cached per path and never dropped.
  'page-cache': () => {
    const pages = new Map();
    globalThis.renderer = { pages };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, next++) pages.set('/article/' + next, { html: '<p>' + next, blocks: new Array(9000).fill(next) }); }, [2, 6, 6]) };
  },
  // A Map of a few per-tenant Maps: the outer one stays at 4 entries, the inner ones grow.
  'tenant-maps': () => {
    const sessions = new Map(['acme', 'globex', 'initech', 'umbrella'].map((t) => [t, new Map()]));
    globalThis.byTenant = { sessions };
    const tenants = [...sessions.keys()];
    return { phases: steps((k) => { for (let i = 0; i < k; i++, next++) sessions.get(tenants[next % 4]).set('s' + next, { user: next, seen: [next] }); }, [20, 400, 400]) };
  },
  // An array indexed by customer id (a sparse array used as a dictionary).
  'id-indexed-array': () => {
    const customers = [];
    globalThis.crm = { customers };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, next++) customers[100000 + next * 37] = { id: next, tier: next % 3 }; }, [20, 400, 400]) };
  },
});
