// Event buses and observables from npm (eventemitter3, rxjs, mitt, i18next's own emitter, a
// nunjucks loader's) with a handler subscribed per
// request and never removed, each over that request; the controls remove theirs when done.
// And an rxjs ReplaySubject that keeps every value it replays (its control bounds the buffer).
'use strict';
const EventEmitter3 = require('eventemitter3');
const { ReplaySubject, Subject } = require('rxjs');
const mitt = require('mitt');
const i18next = require('i18next');
const nunjucks = require('nunjucks');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const request = (i) => ({ id: `req-${i}`, user: `user-${i % 97}`, body: 'x'.repeat(200) + i, seen: [] });
const SIZES = [20, 500, 500];

// A nunjucks loader of one template (an EventEmitter, as its file loaders are).
function templateLoader() {
  const Loader = nunjucks.Loader.extend({ getSource: (name) => ({ src: 'Hello {{ user }} ({{ requestId }})', path: name, noCache: false }) });
  return new Loader();
}

run({
  // i18next's emitter keeps a Map of listener -> count per event; per request, a handler on
  // the global instance (not on a per-request clone), never removed.
  'i18next-listener-per-request': async () => {
    await i18next.init({ lng: 'en', resources: { en: { translation: { hi: 'Hello {{name}}' } } } });
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); i18next.on('languageChanged', (lng) => { r.seen.push(lng); }); r.seen.push(i18next.t('hi', { name: r.user })); } }, SIZES) };
  },
  'i18next-clone-per-request-control': async () => {
    await i18next.init({ lng: 'en', resources: { en: { translation: { hi: 'Hello {{name}}' } } } });
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); const t = i18next.cloneInstance({ initAsync: false }); t.on('languageChanged', (lng) => { r.seen.push(lng); }); r.seen.push(t.t('hi', { name: r.user })); } }, SIZES) };
  },
  // A nunjucks Environment per request (for request-scoped globals) over the one shared
  // loader: each Environment subscribes to the loader's 'update' and 'load' events, and
  // the loader keeps every Environment through them.
  'nunjucks-environment-per-request': () => {
    const views = { loader: templateLoader() };
    globalThis.views = views;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); const env = new nunjucks.Environment(views.loader); env.addGlobal('requestId', r.id); r.seen.push(env.render('page.njk', { user: r.user })); } }, SIZES) };
  },
  'nunjucks-shared-environment-control': () => {
    const views = { loader: templateLoader() };
    views.env = new nunjucks.Environment(views.loader);
    globalThis.views = views;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); r.seen.push(views.env.render('page.njk', { user: r.user, requestId: r.id })); } }, SIZES) };
  },
  // eventemitter3 keeps `{fn, context, once}` records per event, not bare functions.
  'eventemitter3-listener-per-request': () => {
    const bus = { events: new EventEmitter3() };
    globalThis.bus = bus;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); bus.events.on('config', (c) => { r.seen.push(c); }); } }, SIZES) };
  },
  'eventemitter3-control': () => {
    const bus = { events: new EventEmitter3() };
    globalThis.bus = bus;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); const h = (c) => { r.seen.push(c); }; bus.events.on('config', h); bus.events.emit('config', i); bus.events.off('config', h); } }, SIZES) };
  },
  // An rxjs Subject keeps one SafeSubscriber per subscribe() until it is unsubscribed.
  'rxjs-subscription-per-request': () => {
    const store = { updates: new Subject() };
    globalThis.store = store;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); store.updates.subscribe((v) => { r.seen.push(v); }); } }, SIZES) };
  },
  'rxjs-control': () => {
    const store = { updates: new Subject() };
    globalThis.store = store;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); const s = store.updates.subscribe((v) => { r.seen.push(v); }); store.updates.next(i); s.unsubscribe(); } }, SIZES) };
  },
  // mitt keeps handlers in a Map of arrays by event name.
  // An rxjs ReplaySubject made without a buffer size replays every value ever emitted to
  // late subscribers, so it keeps them all (an audit bus); the control bounds its buffer.
  'rxjs-replay-unbounded': () => {
    const bus = { audit: new ReplaySubject() };
    globalThis.bus = bus;
    bus.audit.subscribe(() => {});
    return { phases: steps((k) => { for (let i = 0; i < k; i++) bus.audit.next(request(n++)); }, SIZES) };
  },
  'rxjs-replay-bounded-control': () => {
    const bus = { audit: new ReplaySubject(20) };
    globalThis.bus = bus;
    bus.audit.subscribe(() => {});
    return { phases: steps((k) => { for (let i = 0; i < k; i++) bus.audit.next(request(n++)); }, SIZES) };
  },
  'mitt-handler-per-request': () => {
    const hub = { emitter: mitt() };
    globalThis.hub = hub;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); hub.emitter.on('tick', (v) => { r.seen.push(v); }); } }, SIZES) };
  },
  'mitt-control': () => {
    const hub = { emitter: mitt() };
    globalThis.hub = hub;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) { const r = request(n++); const h = (v) => { r.seen.push(v); }; hub.emitter.on('tick', h); hub.emitter.emit('tick', i); hub.emitter.off('tick', h); } }, SIZES) };
  },
});
