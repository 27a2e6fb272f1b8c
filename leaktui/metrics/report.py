"""The `metrics` block of the JSON report."""

from __future__ import annotations

import os

from leaktui.errors import LeakTuiError
from leaktui.metrics.tail import MetricsTail
from leaktui.metrics.trend import all_stats, verdict


def metrics_report(path: str) -> dict[str, object]:
    if not os.path.exists(path):
        raise LeakTuiError(f"{path}: no such metrics file")
    if os.path.isdir(path):
        raise LeakTuiError(f"{path}: is a directory, not a metrics file")
    tail = MetricsTail(path, tail_bytes=1 << 62)  # a report reads the whole file
    samples = tail.poll()
    return {
        "path": path,
        "samples": len(samples),
        "bad_lines": tail.bad_lines,
        "first_ts": samples[0].ts if samples else None,
        "last_ts": samples[-1].ts if samples else None,
        "series": {name: s.to_json() for name, s in all_stats(samples).items()},
        "verdict": verdict(samples),
    }
