// high-cardinality-key: caches whose keys almost never repeat (ips, timestamps, random ids,
// user agents, urls with query strings).
'use strict';
const crypto = require('crypto');
const { run, steps } = require('./harness');

let n = 0;
const ip = (i) => `192.168.${(i >> 8) & 255}.${i & 255}`;
run({
  'ip-agent': () => {
    const rateInfo = new Map();
    function classify(addr, agent) {
      const key = addr + ' ' + agent;
      if (!rateInfo.has(key)) rateInfo.set(key, { bot: agent.includes('bot') });
      return rateInfo.get(key);
    }
    globalThis.limiter = { rateInfo, classify };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) classify(ip(n), `Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/${100 + (n % 20)}.0.${n}`); }, [20, 400, 400]) };
  },
  // The same keyed by address and agent, over thousands more clients than a Map's table is
  // decoded for, each mapped to one of three shared verdicts.
  'shared-verdicts': () => {
    const verdicts = [{ bot: true }, { bot: false }, { bot: null }];
    const verdictOf = new Map();
    globalThis.firewall = { verdictOf };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) verdictOf.set(ip(n) + ' ' + `curl/8.${n}`, verdicts[n % 3]); }, [20, 14000, 14000]) };
  },
  // Numeric timestamps as keys.
  'timestamp-keys': () => {
    const seenAt = new Map();
    globalThis.audit = { seenAt };
    const base = 1700000000000;
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) seenAt.set(base + n * 17, { ok: true }); }, [20, 400, 400]) };
  },
  // A plain object keyed by random request ids.
  'uuid-object': () => {
    const results = {};
    globalThis.jobs = { results };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) results[crypto.randomUUID()] = { status: 'done' }; }, [20, 400, 400]) };
  },
  // Full URLs with a cache-buster in the query string.
  'url-query': () => {
    const rendered = new Map();
    globalThis.ssr = { rendered };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) {
      const url = `/products/${n % 30}?ts=${Date.now() + n}&sid=${crypto.randomBytes(8).toString('hex')}`;
      rendered.set(url, { html: 'page' + (n % 30) });
    } }, [20, 400, 400]) };
  },
  // A Set of one-off session tokens (uuid + time).
  'token-set': () => {
    const seenTokens = new Set();
    globalThis.auth = { seenTokens };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) seenTokens.add(crypto.randomUUID() + ':' + Date.now()); }, [20, 400, 400]) };
  },
  // An object keyed by millisecond timestamps.
  'epoch-object': () => {
    const byTime = {};
    globalThis.events = { byTime };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) byTime[1700000000000 + n * 7] = { kind: 'tick' }; }, [20, 400, 400]) };
  },
});
