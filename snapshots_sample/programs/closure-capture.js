// Handlers created per route reload capture the whole (large) configuration they came from,
// though they use one field; old handlers are kept in a registry.
'use strict';
const { phases } = require('./harness');

function loadConfig(version) {
  return { version, rules: new Array(400).fill(0).map((_, i) => ({ id: i, pattern: `/r${version}/${i}` })),
    blob: 'c'.repeat(2048) + version };
}
function makeHandler(config) {
  const version = config.version;
  return function handle(req) { return config.rules.length + version + req; };
}
const handlers = [];
global.router = { handlers };

let v = 0;
const reloads = (n) => () => { for (let i = 0; i < n; i++) handlers.push(makeHandler(loadConfig(v++))); };
phases('closure-capture', process.argv[2], [reloads(2), reloads(30), reloads(30)]);
