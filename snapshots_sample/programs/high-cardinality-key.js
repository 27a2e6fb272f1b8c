// A geo-lookup cache keyed by ip + user agent + minute: nearly every key is new, so the
// "cache" is an ever-growing log of one-off entries.
'use strict';
const { phases } = require('./harness');

const lookupCache = new Map();
function lookup(ip, userAgent, now) {
  const key = `${ip}|${userAgent}|${Math.floor(now / 60000)}`;
  let hit = lookupCache.get(key);
  if (!hit) {
    hit = { country: 'C' + (ip.length % 7), asn: ip.split('.')[1] | 0 };
    lookupCache.set(key, hit);
  }
  return hit;
}
global.geo = { lookup, lookupCache };

let n = 0;
const requests = (count) => () => {
  for (let i = 0; i < count; i++, n++) {
    const ip = `10.${(n * 7) % 255}.${(n * 13) % 255}.${n % 251}`;
    lookup(ip, `Mozilla/5.0 (X11; build ${n % 97}) agent/${n}`, 1700000000000 + n * 1000);
  }
};
phases('high-cardinality-key', process.argv[2], [requests(50), requests(1500), requests(1500)]);
