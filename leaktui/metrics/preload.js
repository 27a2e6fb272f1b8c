// leaktui metrics preload: appends one JSON line per interval with process.memoryUsage() and
// GC counts/pauses, for `leaktui watch` / `leaktui SNAPSHOT --metrics FILE`.
//   node -r "$(leaktui preload-path)" app.js
// LEAKTUI_METRICS_FILE (default ./leaktui-metrics-<pid>.jsonl), LEAKTUI_METRICS_INTERVAL_MS
// (default 1000). The timer is unref'd and every step is guarded: it never throws into the app.
'use strict';
(function leaktuiMetrics() {
  let fs;
  try {
    fs = require('fs');
    const file = process.env.LEAKTUI_METRICS_FILE || `leaktui-metrics-${process.pid}.jsonl`;
    const interval = Math.max(10, Number(process.env.LEAKTUI_METRICS_INTERVAL_MS) || 1000);
    const gc = { count: 0, pauseMs: 0, major: 0 };
    try {
      const { PerformanceObserver, constants } = require('perf_hooks');
      const obs = new PerformanceObserver((list) => {
        try {
          for (const entry of list.getEntries()) {
            gc.count += 1;
            gc.pauseMs += entry.duration;
            const kind = entry.detail ? entry.detail.kind : entry.kind;
            if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major += 1;
          }
        } catch (_) { /* never disturb the app */ }
      });
      obs.observe({ entryTypes: ['gc'] });
    } catch (_) { /* GC stats are optional */ }
    const timer = setInterval(() => {
      try {
        const m = process.memoryUsage();
        const line = JSON.stringify({ ts: Date.now(), rss: m.rss, heapTotal: m.heapTotal,
          heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
          gcCount: gc.count, gcMajor: gc.major, gcPauseMs: Math.round(gc.pauseMs * 1000) / 1000 });
        fs.appendFileSync(file, line + '\n');
      } catch (_) { /* a full disk or a removed directory must not crash the service */ }
    }, interval);
    if (timer.unref) timer.unref();
  } catch (_) { /* never throw into the app */ }
})();
