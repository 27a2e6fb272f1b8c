// Redis and Postgres clients (ioredis, pg) that get one more listener per request. No server:
// the Redis client is lazy and never connects, the pool never opens a connection.
'use strict';
const Redis = require('ioredis');
const { Pool } = require('pg');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const request = () => ({ id: n, user: `u${n}`, cart: Array.from({ length: 6 }, (_, i) => ({ sku: `sku-${(n + i) % 40}`, qty: 1 + (i % 3) })), n: n++ });

run({
  // Every request subscribes a handler for its own channel's messages and never removes it.
  'ioredis-message-listener-per-request': () => {
    const cache = { client: new Redis({ lazyConnect: true, enableOfflineQueue: false }), seen: 0 };
    globalThis.cache = cache;
    const handle = () => { const req = request(); cache.client.on('message', (channel, message) => { if (channel === `cart:${req.id}`) cache.seen += req.cart.length; }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]), done: () => cache.client.disconnect() };
  },
  'ioredis-control': () => {
    const cache = { client: new Redis({ lazyConnect: true, enableOfflineQueue: false }), seen: 0, carts: new Map() };
    globalThis.cache = cache;
    cache.client.on('message', (channel) => { if (cache.carts.has(channel)) cache.seen++; });
    const handle = () => { const req = request(); cache.carts.set(`cart:${req.id}`, req.cart); cache.carts.delete(`cart:${req.id}`); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]), done: () => cache.client.disconnect() };
  },
  // An 'error' handler per request on the shared pool, to log which request saw the error.
  'pg-pool-error-listener-per-request': () => {
    const db = { pool: new Pool({ host: '127.0.0.1', max: 4, idleTimeoutMillis: 1000 }) };
    globalThis.db = db;
    const handle = () => { const req = request(); db.pool.on('error', (err) => { console.error(req.id, req.cart.length, err.message); }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]), done: () => db.pool.end() };
  },
  'pg-pool-control': () => {
    const db = { pool: new Pool({ host: '127.0.0.1', max: 4, idleTimeoutMillis: 1000 }), recent: [] };
    globalThis.db = db;
    db.pool.on('error', (err) => { console.error('pool error', err.message); });
    const handle = () => { const req = request(); const onError = (err) => console.error(req.id, err.message); db.pool.on('error', onError); db.pool.off('error', onError); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]), done: () => db.pool.end() };
  },
});
