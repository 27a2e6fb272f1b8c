// Batching, memo and session caches (dataloader, lru-cache, memoizee, node-cache, ttlcache,
// express-session's MemoryStore, lodash's memoize, moize, ajv's compiled schemas, handlebars'
// compiled templates) used across requests with keys
// that never repeat and no bound; the controls scope or bound them.
'use strict';
const DataLoader = require('dataloader');
const { LRUCache } = require('lru-cache');
const memoize = require('memoizee');
const NodeCache = require('node-cache');
const session = require('express-session');
const _ = require('lodash');
const moize = require('moize');
const Ajv = require('ajv');
const Handlebars = require('handlebars');
const { Keyv } = require('keyv');
const { TTLCache } = require('@isaacs/ttlcache');
const fastJson = require('fast-json-stringify');
const memoizer = require('lru-memoizer');
const { run, steps } = require('../../suspects/harness');

let n = 0;
// A profile loader memoized by lru-memoizer under the key ``hash`` makes of its arguments.
function memoizedProfiles(hash) {
  return memoizer({ load: (user, at, callback) => setImmediate(() => callback(null, { ...profile(user), at })), hash, max: 50000 });
}
const FIELDS = ['id', 'name', 'email', 'createdAt', 'score'];
// The response for one request, by the serializer kept under ``key`` (compiled if missing).
function respond(serializers, key, i) {
  let serialize = serializers.get(key);
  if (!serialize) {
    const fields = FIELDS.slice(0, 1 + (i % 5));
    const properties = Object.fromEntries(fields.map((f) => [f, { type: f === 'score' ? 'number' : 'string' }]));
    serialize = fastJson({ $id: key, type: 'object', properties });
    serializers.set(key, serialize);
  }
  return serialize({ id: `u${i}`, name: `User ${i}`, email: `u${i}@example.com`, createdAt: '2024-01-01', score: i / 3 });
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// A payment answered once per idempotency key, kept for a retry with the same key.
function pay(store, i) {
  const key = `idem-${i.toString(36)}-${Math.random().toString(36).slice(2)}`;
  if (store.has(key)) return store.get(key);
  const result = { status: 201, body: { paymentId: `pay_${i}`, amount: i * 100, currency: 'EUR', lines: [{ sku: `A${i}`, qty: 1 }] }, createdAt: Date.now() };
  store.set(key, result);
  return result;
}
const profile = (id) => ({ id, name: `User ${id}`, email: `u${id}@example.com`, roles: ['reader'], bio: 'Likes hiking. '.repeat(6) });

run({
  // One DataLoader for the whole process: its cache keeps every user ever loaded.
  'dataloader-shared-across-requests': () => {
    const loaders = { users: new DataLoader(async (ids) => ids.map(profile)) };
    globalThis.loaders = loaders;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await loaders.users.load(`user-${n++}`); }, [20, 500, 500]) };
  },
  'dataloader-per-request-control': () => {
    const context = { loads: 0 };
    globalThis.context = context;
    const handle = async () => { const users = new DataLoader(async (ids) => ids.map(profile)); await users.loadMany([`user-${n++}`, `user-${n % 7}`]); context.loads++; };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [20, 500, 500]) };
  },
  // An "LRU" with a max so large it is never reached.
  'lru-cache-max-never-reached': () => {
    const profiles = { cache: new LRUCache({ max: 100000 }) };
    globalThis.profiles = profiles;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) profiles.cache.set(`profile:${n}`, profile(n)); }, [20, 500, 500]) };
  },
  'lru-cache-bounded-control': () => {
    const profiles = { cache: new LRUCache({ max: 100 }) };
    globalThis.profiles = profiles;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) profiles.cache.set(`profile:${n}`, profile(n)); }, [300, 500, 500]) };
  },
  // A response serializer compiled per request (its schema's $id made per request) and kept
  // in a Map under that id: schemas equal but for their $id compile to equal sources, whose
  // code V8 shares, so only the functions made from it tell each call compiled again.
  'fast-json-stringify-per-request': () => {
    const api = { serializers: new Map() };
    globalThis.api = api;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) respond(api.serializers, `resp-${n}-${FIELDS[n % 5]}`, n); }, [20, 500, 500]) };
  },
  'fast-json-stringify-control': () => {
    const api = { serializers: new Map() };
    globalThis.api = api;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) respond(api.serializers, `resp-${FIELDS[n % 5]}`, n); }, [20, 500, 500]) };
  },
  // lru-memoizer (an LRU of its own inside: a Map from key to slot, the values in arrays
  // beside it) keyed by user and a timestamp: every call is a new entry, far below its max.
  'lru-memoizer-timestamp-key': () => {
    const profiles = { load: memoizedProfiles((user, at) => `${user}:${at}`) };
    globalThis.profiles = profiles;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) await new Promise((resolve) => profiles.load(`user-${n % 50}`, 1700000000000 + n, resolve)); }, [20, 500, 500]) };
  },
  'lru-memoizer-control': () => {
    const profiles = { load: memoizedProfiles((user) => user) };
    globalThis.profiles = profiles;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) await new Promise((resolve) => profiles.load(`user-${n % 50}`, 1700000000000 + n, resolve)); }, [20, 500, 500]) };
  },
  // quick-lru keeps two generations of Maps and swaps them when the newer is full. An
  // idempotency store whose maxSize is never reached, relying on maxAge, which quick-lru
  // only applies to a key looked up again (idempotency keys never are).
  'quick-lru-max-age-only': async () => {
    const { default: QuickLRU } = await import('quick-lru');
    const payments = { idempotency: new QuickLRU({ maxSize: 1e9, maxAge: 50 }) };
    globalThis.payments = payments;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) pay(payments.idempotency, n); await sleep(100); }, [50, 2000, 2000]) };
  },
  // Bounded: between snapshots, each generation is replaced by a newer one.
  'quick-lru-bounded-control': async () => {
    const { default: QuickLRU } = await import('quick-lru');
    const payments = { idempotency: new QuickLRU({ maxSize: 1000, maxAge: 50 }) };
    globalThis.payments = payments;
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++, n++) pay(payments.idempotency, n); await sleep(100); }, [50, 2000, 2000]) };
  },
  // memoizee on a function called with a timestamp: every call is a new entry.
  'memoizee-unbounded': () => {
    const pricing = { quote: memoize((sku, at) => ({ sku, at, price: (sku.length * 7 + at % 100) / 10, lines: [sku, at, 'EUR'] }), { primitive: true }) };
    globalThis.pricing = pricing;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) pricing.quote(`sku-${n % 13}`, 1700000000000 + n); }, [20, 500, 500]) };
  },
  'memoizee-bounded-control': () => {
    const pricing = { quote: memoize((sku, at) => ({ sku, at, price: (sku.length * 7 + at % 100) / 10, lines: [sku, at, 'EUR'] }), { max: 100, primitive: true }) };
    globalThis.pricing = pricing;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) pricing.quote(`sku-${n % 13}`, 1700000000000 + n); }, [300, 500, 500]) };
  },
  // memoizee's default (non-primitive) mode: ids in one object, the arguments and the results
  // in others beside it, all in the memoized function's scope: one cache.
  'memoizee-two-args': () => {
    const pricing = { quote: memoize((sku, at) => ({ sku, at, price: (sku.length * 7 + at % 100) / 10, lines: [sku, at, 'EUR'] })) };
    globalThis.pricing = pricing;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) pricing.quote(`sku-${n % 13}`, 1700000000000 + n); }, [20, 500, 500]) };
  },
  // One object argument: an array of arguments, an array of ids and an object of results.
  'memoizee-object-arg': () => {
    const totals = { of: memoize((order) => ({ order, total: order.lines.length * 7, lines: order.lines.map((l) => `${l}!`) })) };
    globalThis.totals = totals;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) totals.of({ id: n, lines: [`a${n}`, `b${n}`] }); }, [20, 500, 500]) };
  },
  // node-cache with no TTL: every entry stays until deleted.
  'node-cache-no-ttl': () => {
    const profiles = { cache: new NodeCache({ useClones: false, checkperiod: 0 }) };
    globalThis.profiles = profiles;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) profiles.cache.set(`profile:${n}`, profile(n)); }, [20, 500, 500]) };
  },
  'node-cache-control': () => {
    const profiles = { cache: new NodeCache({ useClones: false, checkperiod: 0 }) };
    globalThis.profiles = profiles;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { profiles.cache.set(`profile:${n}`, profile(n)); profiles.cache.del(`profile:${n}`); } }, [20, 500, 500]) };
  },
  // express-session's default MemoryStore: sessions never touched again are never pruned.
  'express-session-memory-store': () => {
    const app = { store: new session.MemoryStore() };
    globalThis.app = app;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) app.store.set(`sid-${n}`, { cookie: { originalMaxAge: null, expires: null }, user: profile(n) }, () => {}); }, [20, 500, 500]) };
  },
  'express-session-control': () => {
    const app = { store: new session.MemoryStore() };
    globalThis.app = app;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { app.store.set(`sid-${n}`, { cookie: { originalMaxAge: null, expires: null }, user: profile(n) }, () => {}); app.store.destroy(`sid-${n}`, () => {}); } }, [20, 500, 500]) };
  },
  // lodash's memoize keyed by a client address: one entry per address ever seen.
  'lodash-memoize-per-address': () => {
    const geo = { lookup: _.memoize((ip) => ({ ip, country: 'NL', city: `City ${ip}`, asn: [ip, 1234] })) };
    globalThis.geo = geo;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) geo.lookup(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`); }, [20, 500, 500]) };
  },
  'lodash-memoize-control': () => {
    const geo = { lookup: _.memoize((ip) => ({ ip, country: 'NL', city: `City ${ip}`, asn: [ip, 1234] })) };
    globalThis.geo = geo;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) geo.lookup(`10.0.0.${n % 50}`); }, [20, 500, 500]) };
  },
  // keyv's in-memory store caching each order's response by its id, with no ttl: nothing
  // ever leaves it (keyv's Map store has no bound of its own).
  'keyv-no-ttl': () => {
    const responses = { cache: new Keyv() };
    globalThis.responses = responses;
    const handle = async () => { const id = n++; await responses.cache.set(`order:${id}`, { order: profile(id), at: Date.now() }); };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [20, 500, 500]) };
  },
  'keyv-control': () => {
    const responses = { cache: new Keyv() };
    globalThis.responses = responses;
    const handle = async () => { const id = n++ % 50; await responses.cache.set(`profile:${id}`, { profile: profile(id), at: Date.now() }); };
    return { phases: steps(async (k) => { for (let i = 0; i < k; i++) await handle(); }, [60, 500, 500]) };
  },
  // @isaacs/ttlcache with an infinite ttl: entries never expire, one per session ever seen.
  'ttlcache-no-ttl': () => {
    const sessions = { cache: new TTLCache({ ttl: Infinity }) };
    globalThis.sessions = sessions;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) sessions.cache.set(`sid-${n}`, profile(n)); }, [20, 500, 500]) };
  },
  // The same with a 10-minute ttl: the series is taken within one ttl, so nothing has expired
  // yet, but its purge timer will expire every entry: growth within the ttl is no leak.
  'ttlcache-ttl-control': () => {
    const sessions = { cache: new TTLCache({ ttl: 10 * 60 * 1000 }) };
    globalThis.sessions = sessions;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) sessions.cache.set(`sid-${n}`, profile(n)); }, [20, 500, 500]) };
  },
  // moize with no size limit: keys and values in two arrays side by side, one per address.
  'moize-unbounded': () => {
    const geo = { lookup: moize((ip) => ({ ip, city: `City ${ip}`, asn: [ip, 1234] }), { maxSize: Infinity }) };
    globalThis.geo = geo;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) geo.lookup(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`); }, [20, 500, 500]) };
  },
  'moize-control': () => {
    const geo = { lookup: moize((ip) => ({ ip, city: `City ${ip}`, asn: [ip, 1234] }), { maxSize: 100 }) };
    globalThis.geo = geo;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) geo.lookup(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`); }, [300, 500, 500]) };
  },
  // ajv asked to compile a schema made per request: it caches every compiled validator.
  'ajv-compile-per-request': () => {
    const validation = { ajv: new Ajv() };
    globalThis.validation = validation;
    const check = (n) => validation.ajv.compile({ type: 'object', properties: { id: { const: `order-${n}` }, total: { type: 'number', maximum: n } } })({ id: 'x', total: 1 });
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) check(n); }, [20, 500, 500]) };
  },
  'ajv-control': () => {
    const validation = { ajv: new Ajv() };
    globalThis.validation = validation;
    const valid = validation.ajv.compile({ type: 'object', properties: { id: { type: 'string' }, total: { type: 'number' } } });
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) valid({ id: `order-${n}`, total: n }); }, [20, 500, 500]) };
  },
  // A template built per order (the order number pasted into its source) compiled and kept by
  // its source: every compiled template stays.
  'handlebars-compile-per-request': () => {
    const views = { compiled: new Map() };
    globalThis.views = views;
    const render = (n) => { const source = `<p>Order ${n} for {{name}}</p><ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>`; let t = views.compiled.get(source); if (!t) { t = Handlebars.compile(source); views.compiled.set(source, t); } return t({ name: 'Ada', items: ['a', 'b'] }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) render(n); }, [10, 150, 150]) };
  },
  'handlebars-control': () => {
    const views = { compiled: new Map() };
    globalThis.views = views;
    const source = '<p>Order {{order}} for {{name}}</p><ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>';
    const render = (n) => { let t = views.compiled.get(source); if (!t) { t = Handlebars.compile(source); views.compiled.set(source, t); } return t({ order: n, name: 'Ada', items: ['a', 'b'] }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) render(n); }, [10, 150, 150]) };
  },
});
