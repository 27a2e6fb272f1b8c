// Plants values a responder would search for, each built at run time from SEED (so the text is
// in no script source and no argv string): a token in a session object held by a Map in a module
// variable, an object with a property named after an account (and a non-ASCII label), and a URL
// captured by a closure.
// A receipt URL stays a concatenated string.
// Writes one snapshot: node planted_secrets.js OUTDIR SEED
'use strict';
const v8 = require('v8');
const path = require('path');
const out = process.argv[2];
const seed = process.argv[3];
// split/join makes flat strings (a '+' of 13 or more characters would stay a cons string)
const flat = (s) => s.split('').join('');
const token = flat('tok_' + seed.split('').reverse().join(''));
const account = flat('acct_' + seed);
const url = flat('https://billing.internal.example/v1/' + seed + '/invoices');
const label = flat('café-☕-' + seed);  // non-ASCII: V8 writes it with \u escapes

const sessions = new Map();
class Session {
  constructor(userId, token) { this.userId = userId; this.token = token; this.hits = 0; }
}
for (let i = 0; i < 20; i++) sessions.set('u-' + i, new Session('u-' + i, flat('other-' + i)));
sessions.set('u-4242', new Session('u-4242', token));

const accounts = {};
accounts[account] = { plan: 'gold', label };

// Left as V8 builds it: a concatenated string (its parts are separate strings in the heap).
const receipt = 'https://receipts.internal.example/r/' + seed + '?sig=' + seed.slice(0, 6);
const receipts = { last: receipt };

const jobs = [];
function scheduleFetch(target) {
  return function fetchInvoices() { return target.length; };
}
jobs.push(scheduleFetch(url));

module.exports = { count: () => sessions.size + jobs.length + Object.keys(accounts).length };
global.keepAlive = module.exports;
global.accounts = accounts;
global.receipts = receipts;
global.gc && global.gc();
v8.writeHeapSnapshot(path.join(out, 'planted.heapsnapshot'));
