// Finished HTTP requests kept in a Map by id, more than a detector samples (2,468 at the end).
// No network: the requests are parsed objects on unconnected sockets, as a server would keep.
// Usage: node --expose-gc many_requests.js OUTDIR
'use strict';
const v8 = require('v8');
const path = require('path');
const http = require('http');
const net = require('net');
const out = process.argv[2];
const inflight = new Map();
globalThis.app = { inflight };
let n = 0;
for (const [phase, total] of [[1, 100], [2, 1300], [3, 2468]]) {
  for (; n < total; n++) {
    const req = new http.IncomingMessage(new net.Socket());
    req.url = `/orders/${n}`;
    req.method = 'GET';
    req.headers = { host: 'shop.local', 'user-agent': 'curl/8.4.0', accept: '*/*' };
    req.complete = true;
    inflight.set(n, req);
  }
  global.gc();
  v8.writeHeapSnapshot(path.join(out, `many-requests-${phase}.heapsnapshot`));
}
