// A process to capture from: it keeps a growing cache and prints its pid, then idles.
'use strict';
const cache = new Map();
let n = 0;
setInterval(() => { for (let i = 0; i < 50; i++, n++) cache.set(n, { n, s: 'v' + n }); }, 50);
global.cache = cache;
console.log('ready', process.pid);
