// A per-tenant poller started with setInterval and a recursive setTimeout retry loop, neither
// ever cleared; each callback holds its tenant's configuration.
'use strict';
const { phases } = require('./harness');

function startPolling(tenant) {
  const config = { tenant, endpoints: new Array(16).fill(0).map((_, i) => `https://t${tenant}/e${i}`),
    secretRef: 'vault:' + tenant };
  setInterval(() => { config.lastPoll = Date.now(); }, 60000);
}
function startRetry(tenant) {
  const job = { tenant, attempts: [], payload: 'r'.repeat(128) };
  const retry = () => { job.attempts.push(Date.now()); setTimeout(retry, 120000); };
  setTimeout(retry, 120000);
}

let t = 0;
const tenants = (n) => () => { for (let i = 0; i < n; i++, t++) { startPolling(t); startRetry(t); } };
phases('timer-leak', process.argv[2], [tenants(5), tenants(300), tenants(300)])
  .then(() => process.exit(0));
