// leaktui metrics preload: appends one JSON line per interval with process.memoryUsage(), GC
// counts and pause totals, for `leaktui watch FILE` and `leaktui SNAPSHOT... --metrics FILE`.
//   LEAKTUI_METRICS_FILE=mem.jsonl node -r "$(leaktui preload-path)" app.js
// LEAKTUI_METRICS_FILE: the file (default ./leaktui-metrics-<pid>.jsonl).
// LEAKTUI_METRICS_INTERVAL_MS: the interval (default 1000, at least 10).
// Besides process.memoryUsage() each line has gcCount, gcMajor, gcPauseMs (totals since start)
// and heapUsedAfterGc: the lowest heap in use seen right after a collection during the
// interval (the true floor; sampling heapUsed on a timer only approximates it).
// Only the main thread of a process writes (worker threads load -r preloads too). A child
// process started with the same preload and environment (cluster workers, fork()) writes its
// own file, <name>-<pid><ext>, so one file always holds one process.
// The timer is unref'd (it never keeps the app alive), every callback is guarded (it never
// throws into the app), and a write is one appendFileSync of ~250 bytes per interval.
'use strict';
(function leaktuiMetrics() {
  try {
    const { isMainThread } = require('worker_threads');
    if (!isMainThread) return;
    const fs = require('fs');
    const path = require('path');
    const OWNER = 'LEAKTUI_METRICS_OWNER_PID';
    let file = process.env.LEAKTUI_METRICS_FILE || `leaktui-metrics-${process.pid}.jsonl`;
    const owner = process.env[OWNER];
    if (owner && owner !== String(process.pid) && process.env.LEAKTUI_METRICS_FILE) {
      const ext = path.extname(file);
      file = `${file.slice(0, file.length - ext.length)}-${process.pid}${ext}`;
    }
    process.env[OWNER] = String(process.pid);
    file = path.resolve(file);
    const interval = Math.max(10, Math.floor(Number(process.env.LEAKTUI_METRICS_INTERVAL_MS)) ||
      1000);
    const gc = { count: 0, major: 0, pauseMs: 0, floor: Infinity };
    try {
      const { PerformanceObserver, constants } = require('perf_hooks');
      const v8 = require('v8');
      const observer = new PerformanceObserver((list) => {
        try {
          const used = v8.getHeapStatistics().used_heap_size; // delivered just after the GC
          if (used < gc.floor) gc.floor = used;
          for (const entry of list.getEntries()) {
            gc.count += 1;
            gc.pauseMs += entry.duration;
            const kind = entry.detail ? entry.detail.kind : entry.kind;
            if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major += 1;
          }
        } catch (_) { /* never disturb the app */ }
      });
      observer.observe({ entryTypes: ['gc'] });
    } catch (_) { /* GC counters are optional */ }
    const write = () => {
      try {
        const m = process.memoryUsage();
        const line = JSON.stringify({
          ts: Date.now(), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed,
          external: m.external, arrayBuffers: m.arrayBuffers, gcCount: gc.count,
          gcMajor: gc.major, gcPauseMs: Math.round(gc.pauseMs * 1000) / 1000, pid: process.pid,
          heapUsedAfterGc: Number.isFinite(gc.floor) ? gc.floor : undefined,
        });
        gc.floor = Infinity;
        // Opened per write (O_APPEND): a rotated file is recreated, never written after its
        // rename, and the descriptor is never left open.
        fs.appendFileSync(file, line + '\n');
      } catch (_) { /* a full disk or a removed directory must not crash the service */ }
    };
    const timer = setInterval(write, interval);
    if (timer.unref) timer.unref();
    const first = setTimeout(write, 0); // a sample at start, before the first interval
    if (first.unref) first.unref();
  } catch (_) { /* never throw into the app */ }
})();
