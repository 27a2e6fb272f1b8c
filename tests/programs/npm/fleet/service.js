// A small HTTP service with prom-client's default metrics on /metrics, as a fleet member.
// Usage: node service.js PORT MODE   (MODE: leak = keeps the small objects of every request,
//                                     about a MB a second; steady = the same work, nothing kept)
// Both hold a reference table loaded at start, as services do, and build large response
// buffers that are dropped after each request (so major collections run regularly).
// Prints "listening PORT" once the server accepts connections.
"use strict";
const http = require("http");
const client = require("prom-client");

const port = Number(process.argv[2]);
const mode = process.argv[3] || "steady";
const kept = [];
let ticks = 0;
const table = Array.from({ length: 600000 }, (_, i) => ({ code: i, name: `entry ${i}` }));
client.collectDefaultMetrics();

function work() {
  const batch = [];
  for (let i = 0; i < 2000; i++) batch.push({ id: i, text: `request ${Date.now()} ${i} `.repeat(4) });
  const response = new Array(50000).fill(table.length); // a large, short-lived buffer
  if (mode === "leak" && ++ticks % 4 === 0) kept.push(batch); // a cache that is never cleared
  return response.length;
}
setInterval(work, 100);

const server = http.createServer(async (req, res) => {
  if (req.url === "/metrics") {
    res.setHeader("Content-Type", client.register.contentType);
    res.end(await client.register.metrics());
    return;
  }
  res.end("ok\n");
});
server.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
process.on("SIGTERM", () => process.exit(0));
