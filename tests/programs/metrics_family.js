// A process with a worker thread and a forked child, for the preload tests: only the main
// thread writes, and the child (started with the same -r preload and environment) writes its
// own file. Prints the child's pid.
'use strict';
const { fork } = require('child_process');
const { Worker } = require('worker_threads');
if (process.argv[2] === 'child') {
  setTimeout(() => {}, 500);
} else {
  const child = fork(__filename, ['child']);
  console.log(child.pid);
  const worker = new Worker('setTimeout(() => {}, 500)', { eval: true });
  worker.on('error', () => {});
  setTimeout(() => {}, 600);
}
