// Arrays of buckets of one shape, each bucket with its own array of samples (a circuit
// breaker's rolling window, as opossum keeps one: the newest bucket first, a new one put in
// front and the oldest dropped every second). The rotation here is done by the program just
// before the last snapshot, where opossum's timer does it whenever its second is up.
'use strict';
const { run } = require('./harness');

const bucket = () => ({ failures: 0, successes: 0, latencyTimes: [] });
const record = (b, k) => { for (let i = 0; i < k; i++) { b.successes++; b.latencyTimes.push(i % 97); } };

run({
  // Not a leak: the newest bucket grows until the window rotates, then is dropped in time.
  'rotated-window': () => {
    const window = Array.from({ length: 10 }, bucket);
    globalThis.upstream = { status: { window } };
    return { phases: [() => record(window[0], 20), () => record(window[0], 4000),
      () => { record(window[0], 4000); window.pop(); window.unshift(bucket()); }] };
  },
  // A leak: one shard in the middle of an array of shards of one shape only grows, and no
  // shard was added in front of it (nothing rotated).
  'middle-shard': () => {
    const shards = Array.from({ length: 10 }, bucket);
    globalThis.upstream = { status: { shards } };
    return { phases: [() => record(shards[3], 20), () => record(shards[3], 4000),
      () => record(shards[3], 4000)] };
  },
});
