// The ES-module twin of profiles_leak.js: its frames are named by file:// URLs.
//   node --no-opt --expose-gc --heap-prof --heap-prof-dir=DIR --heap-prof-interval=1024 \
//        profiles_leak.mjs
const retained = [];
globalThis.retained = retained;

function retainRequest(i) {
  retained.push({ id: i, body: 'b'.repeat(256) + i });
}

function churn(i) {
  return JSON.stringify({ id: i, body: 'c'.repeat(256) }).length;
}

let checksum = 0;
for (let i = 0; i < 20000; i++) {
  retainRequest(i);
  checksum += churn(i);
}
globalThis.gc();
if (checksum <= 0) process.exitCode = 1;
