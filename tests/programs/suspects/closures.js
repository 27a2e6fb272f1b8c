// closure-capture: long-lived functions whose captured scope keeps large objects alive.
'use strict';
const { run, steps } = require('./harness');

let n = 0;
const bigObject = (i) => ({ i, table: new Array(1500).fill(0).map((_, j) => j * i), label: 'x'.repeat(500) + i });
run({
  // Validators kept per schema version, each closing over the whole schema document.
  'validator-map': () => {
    const validators = new Map();
    function compile(schema) { const required = schema.i; return function validate(doc) { return schema.table.length > required && doc; }; }
    globalThis.registry = { validators };
    return { phases: steps((k) => { for (let i = 0; i < k; i++, n++) validators.set('v' + n, compile(bigObject(n))); }, [2, 25, 25]) };
  },
  // V8 shares one context between closures of a scope: a tiny kept closure holds `rows` alive
  // because another closure of the same scope used it.
  'shared-scope': () => {
    const formatters = [];
    function makeFormatter(i) { const rows = bigObject(i).table; const unit = 'ms'; const debug = () => rows.length; debug(); return (v) => v + unit; }
    module.exports.formatters = formatters;
    return { phases: steps((k) => { for (let i = 0; i < k; i++) formatters.push(makeFormatter(n++)); }, [2, 25, 25]) };
  },
  // Hooks registered on a plain object, each capturing a large response it no longer needs.
  'hook-object': () => {
    const hooks = {};
    function register(i) { const response = bigObject(i); const status = 200 + (i % 3); hooks['after' + i] = () => status + response.i; }
    globalThis.plugin = { hooks };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) register(n++); }, [2, 25, 25]) };
  },
  // Each plugin wraps the previous handler and closes over its whole options object.
  'wrapper-chain': () => {
    let handler = (x) => x;
    function use(options) { const prev = handler; const name = options.label.slice(0, 4); handler = (x) => prev(x) + name + options.table.length; }
    globalThis.server = { get handler() { return handler; } };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) use(bigObject(n++)); }, [2, 25, 25]) };
  },
});
