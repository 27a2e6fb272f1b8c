// Loggers created per request (winston, log4js) instead of one logger with per-request context.
'use strict';
const winston = require('winston');
const log4js = require('log4js');
const pino = require('pino');
const { Writable } = require('stream');
const { run, steps } = require('../../suspects/harness');

const sink = () => new Writable({ write(chunk, encoding, callback) { callback(); } });
let n = 0;
// Request ids in the uuid form services use.
const uuid = (i) => `${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}-4${(i % 4096).toString(16).padStart(3, '0')}-8000-a000-${(i + 1e11).toString(16).padStart(12, '0').slice(-12)}`;
const request = () => ({ id: uuid(n), seq: n, method: 'GET', url: `/carts/${n++}`, user: `u${n % 97}` });

run({
  // A new logger per request piped into one shared transport: each adds listeners to it.
  'winston-logger-per-request': () => {
    const app = { transport: new winston.transports.Stream({ stream: sink() }) };
    globalThis.app = app;
    const handle = () => {
      const req = request();
      const log = winston.createLogger({ defaultMeta: { requestId: req.id, url: req.url }, transports: [app.transport] });
      log.info('handled', { user: req.user });
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]) };
  },
  'winston-child-control': () => {
    const app = { transport: new winston.transports.Stream({ stream: sink() }) };
    app.logger = winston.createLogger({ transports: [app.transport] });
    globalThis.app = app;
    const handle = () => { const req = request(); app.logger.child({ requestId: req.id }).info('handled', { user: req.user }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]) };
  },
  // handleExceptions on a per-request logger: one process 'uncaughtException' listener each.
  'winston-exception-handler-per-request': () => {
    const handle = () => {
      const req = request();
      const log = winston.createLogger({ defaultMeta: { requestId: req.id },
        transports: [new winston.transports.Stream({ stream: sink(), handleExceptions: true })] });
      log.info('handled', { url: req.url });
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [10, 200, 200]) };
  },
  'winston-exception-handler-control': () => {
    const log = winston.createLogger({ transports: [new winston.transports.Stream({ stream: sink(), handleExceptions: true })] });
    globalThis.log = log;
    const handle = () => { const req = request(); log.info('handled', { requestId: req.id, url: req.url }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [10, 200, 200]) };
  },
  // log4js: a category per request; log4js keeps every category's configuration.
  'log4js-category-per-request': () => {
    log4js.configure({ appenders: { out: { type: 'stdout' } }, categories: { default: { appenders: ['out'], level: 'error' } } });
    const handle = () => { const req = request(); log4js.getLogger(`req-${req.id}`).info('handled', req.url); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [50, 1500, 1500]) };
  },
  'log4js-control': () => {
    log4js.configure({ appenders: { out: { type: 'stdout' } }, categories: { default: { appenders: ['out'], level: 'error' } } });
    const http = log4js.getLogger('http');
    globalThis.http = http;
    const handle = () => { const req = request(); http.info('handled', req.id, req.url); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [50, 1500, 1500]) };
  },
  // pino: a logger per request on one shared stream does not leak in pino 10 (it adds no
  // listener to the stream); neither does one logger with a child per request.
  'pino-logger-per-request-control': () => {
    const app = { out: sink() };
    globalThis.app = app;
    const handle = () => { const req = request(); pino({ base: { requestId: req.id } }, app.out).info({ url: req.url, user: req.user }, 'handled'); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]) };
  },
  'pino-child-control': () => {
    const app = { logger: pino({}, sink()) };
    globalThis.app = app;
    const handle = () => { const req = request(); app.logger.child({ requestId: req.id }).info({ url: req.url, user: req.user }, 'handled'); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [20, 400, 400]) };
  },
});
