// Web frameworks (express, koa) whose app gains a middleware per request: `app.use` called
// inside a handler, each over that request. The controls register their middleware once at
// startup and only make per-request data.
'use strict';
const express = require('express');
const Koa = require('koa');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const request = (i) => ({ id: `req-${i}`, user: `user-${i % 97}`, body: 'x'.repeat(200) + i });
const SIZES = [20, 500, 500];

run({
  // express 4 keeps `Layer {handle, name, keys: [], regexp, route}` records in its router stack.
  'express-use-per-request': () => {
    const web = { app: express() };
    globalThis.web = web;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); web.app.use((req, res, next) => { req.tag = r.id; next(); }); } }, SIZES) };
  },
  'express-control': () => {
    const web = { app: express(), handled: 0 };
    globalThis.web = web;
    web.app.use((req, res, next) => { web.handled++; next(); });
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(n++); }, SIZES) };
  },
  // koa keeps bare middleware functions in `app.middleware`.
  'koa-use-per-request': () => {
    const web = { app: new Koa() };
    globalThis.web = web;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); web.app.use(async (ctx, next) => { ctx.state.tag = r.id; await next(); }); } }, SIZES) };
  },
  'koa-control': () => {
    const web = { app: new Koa(), handled: 0 };
    globalThis.web = web;
    web.app.use(async (ctx, next) => { web.handled++; await next(); });
    return { phases: steps((k) => { for (let i = 0; i < k; i++) request(n++); }, SIZES) };
  },
});
