"""The `metrics` block of the JSON report (`leaktui report --metrics FILE`)."""

from __future__ import annotations

from leaktui.errors import check_readable
from leaktui.metrics.tail import MetricsTail
from leaktui.metrics.trend import MIN_SPAN_S, analyse


def metrics_report(path: str, window_s: float | None = None,
                   min_span_s: float = MIN_SPAN_S) -> dict[str, object]:
    """{"path", "samples", "bad_lines", "first_ts", "last_ts", "series": {name: {"last", "min",
    "max", "slope_bytes_per_hour", "rising"}}, "verdict"}. The whole file is read (in chunks,
    as columns); `samples` counts every sample in it, the series and verdict describe the
    process that wrote last (see trend.current_run). first_ts/last_ts are epoch seconds, None
    for a file without samples."""
    check_readable(path, kind="metrics file", missing="no such metrics file")
    tail = MetricsTail(path, tail_bytes=None)
    table = tail.read_all()
    ts = table.ts
    result = analyse(table, window_s=window_s, min_span_s=min_span_s)
    return {
        "path": path,
        "samples": len(table),
        "bad_lines": tail.bad_lines,
        "first_ts": float(ts.min()) if len(ts) else None,
        "last_ts": float(ts.max()) if len(ts) else None,
        "series": {name: s.to_json() for name, s in result.stats.items()},
        "verdict": result.verdict,
    }
