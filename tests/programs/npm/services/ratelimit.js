// express-rate-limit on a real HTTP server on the loopback: a limiter made per request (each
// with its memory store's own sweep interval, never cleared), and the control: one limiter
// for the app, its memory store keyed by client (many clients within one window, which the
// store's interval swaps out every 15 minutes).
'use strict';
const { rateLimit } = require('express-rate-limit');
const express = require('express');
const http = require('http');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const byClient = (req) => req.headers['x-client'];

async function serve(app) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.on('listening', resolve));
  const { port } = server.address();
  const hit = (i) => new Promise((resolve, reject) => {
    const headers = { 'x-client': `10.0.${(i >> 8) & 255}.${i & 255}` };
    const req = http.get({ host: '127.0.0.1', port, path: `/orders/${i}`, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
  const phases = steps(async (k) => { for (let i = 0; i < k; i++) await hit(n++); }, [10, 200, 200]);
  return { phases, done: () => new Promise((resolve) => server.close(resolve)) };
}

run({
  'express-rate-limit-per-request': () => {
    const web = { app: express(), served: 0 };
    globalThis.web = web;
    web.app.get('/orders/:id', (req, res, next) => {
      const limiter = rateLimit({ windowMs: 60 * 1000, limit: 100, keyGenerator: byClient, validate: false });
      limiter(req, res, next);
    }, (req, res) => { web.served++; res.send('ok'); });
    return serve(web.app);
  },
  'express-rate-limit-control': () => {
    const web = { app: express(), served: 0 };
    globalThis.web = web;
    web.app.use(rateLimit({ windowMs: 15 * 60 * 1000, limit: 100, keyGenerator: byClient, validate: false }));
    web.app.get('/orders/:id', (req, res) => { web.served++; res.send('ok'); });
    return serve(web.app);
  },
});
