// timer-leak: intervals and timeouts that are never cleared, each holding its closure.
'use strict';
const { run, steps } = require('./harness');

let n = 0;
run({
  // A heartbeat interval per client, never cleared when the client goes away.
  'client-heartbeat': () => {
    function connect(id) { const client = { id, outbox: new Array(25).fill(id) }; setInterval(() => client.outbox.length, 30000); }
    return { phases: steps((k) => { for (let i = 0; i < k; i++) connect(n++); }, [5, 300, 300]) };
  },
  // A retry loop rescheduling itself forever with setTimeout.
  'retry-forever': () => {
    function retry(task) { setTimeout(() => retry(task), 45000); }
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) retry({ n, payload: 'p'.repeat(100) + n }); }, [5, 300, 300]) };
  },
  // Retries with jitter (each a delay of its own): Node keeps one list of timers per distinct
  // delay, so its map of lists grows with the retries.
  'jittered-retries': () => {
    function retry(task) { setTimeout(() => retry(task), 30000 + Math.floor(Math.random() * 20000)); }
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) retry({ n, payload: 'p'.repeat(100) + n }); }, [5, 300, 300]) };
  },
  // A poller class using a bound method; stop() is never called.
  'bound-poller': () => {
    class Poller { constructor(url) { this.url = url; this.seen = new Array(20).fill(0); this.handle = setInterval(this.poll.bind(this), 20000); } poll() { return this.url; } stop() { clearInterval(this.handle); } }
    return { phases: steps((k) => { for (let i = 0; i < k; i++) new Poller('/feed/' + n++); }, [5, 300, 300]) };
  },
  // The same named function scheduled with arguments per tenant.
  'shared-callback': () => {
    function refresh(tenant) { return tenant.rules.length; }
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) setInterval(refresh, 60000, { name: 't' + n, rules: new Array(30).fill(n) }); }, [5, 300, 300]) };
  },
  // Interval handles kept in a Map by session id, but never cleared.
  'handles-map': () => {
    const keepAlive = new Map();
    globalThis.sessions = { keepAlive };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) { const s = { n, buf: new Array(20).fill(n) }; keepAlive.set(n, setInterval(() => s.buf.length, 15000)); } }, [5, 300, 300]) };
  },
  // Watchers kept in a registry array, each with an interval that is never cleared.
  'watcher-registry': () => {
    class Watcher { constructor(path) { this.path = path; this.seen = new Array(40).fill(path); this.timer = setInterval(() => this.check(), 10000); } check() { return this.seen.length; } }
    const watchers = [];
    globalThis.fsWatch = { watchers };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) watchers.push(new Watcher('/data/' + n++)); }, [5, 300, 300]) };
  },
});
