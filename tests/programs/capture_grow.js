// A process to capture from that grows on request: a line "grow N" on stdin allocates N small
// objects (kept), then it prints "grown". Prints "ready PID" at start.
'use strict';
const kept = [];
global.kept = kept;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n')) {
    const m = /^grow (\d+)$/.exec(line.trim());
    if (!m) continue;
    for (let i = 0, n = Number(m[1]); i < n; i++) kept.push({ i, s: 'item-' + i });
    console.log('grown', kept.length);
  }
});
setInterval(() => {}, 1000);
console.log('ready', process.pid);
