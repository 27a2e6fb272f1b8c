"""Which of the fleet's instances leak: each instance's samples judged by the same trend
and verdict as a metrics file (trend.analyse), growing instances first. The `fleet` block of
the report and its table for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from leaktui.metrics.prometheus import InstanceData, PrometheusSource
from leaktui.metrics.status import deciding_series
from leaktui.metrics.trend import Analysis, analyse, judged, sparkline
from leaktui.units import format_rate, format_size

VERDICT_ORDER = {"growing": 0, "stable": 1, "insufficient-data": 2}
SPARK_WIDTH = 24


@dataclass(frozen=True)
class FleetRow:
    """One instance as the fleet view and the report show it."""

    data: InstanceData
    result: Analysis
    present: bool  # it has a point in the last few steps (not gone or down)

    @property
    def key(self) -> str:
        return "|".join(f"{k}={v}" for k, v in sorted(self.data.labels.items()))

    @property
    def slope(self) -> float:
        name = deciding_series(self.result)
        return self.result.stats[name].slope_bytes_per_hour if name else 0.0

    def last(self, name: str) -> int | None:
        st = self.result.stats.get(name)
        return st.last if st else None


@dataclass(frozen=True)
class Fleet:
    source: str
    match: str
    query: str
    window_s: float
    step_s: int
    rows: list[FleetRow]
    fetched_at: float

    @property
    def differing(self) -> list[str]:
        """Label names (besides instance and job) whose values differ between instances."""
        names = sorted({k for r in self.rows for k in r.data.labels} - {"instance", "job"})
        return [n for n in names if len({r.data.labels.get(n) for r in self.rows}) > 1]


def judge(instances: list[InstanceData], now: float, step_s: int,
          window_s: float | None = None, limit: float | None = None) -> list[FleetRow]:
    """Each instance analysed over its current process, growing first, then the steepest."""
    rows = []
    for data in instances:
        result = analyse(data.table, window_s=window_s, limit=limit)
        ts = data.table.ts
        present = bool(len(ts)) and float(ts[-1]) >= now - max(3 * step_s, 15)
        rows.append(FleetRow(data, result, present))
    rows.sort(key=lambda r: (VERDICT_ORDER[r.result.verdict], not r.present, -r.slope,
                             r.data.job, r.data.instance))
    return rows


def fetch_fleet(source: PrometheusSource, limit: float | None = None,
                now: float | None = None) -> Fleet:
    import time

    when = time.time() if now is None else now
    instances = source.fetch(when)
    rows = judge(instances, when, source.step, limit=limit)
    return Fleet(source.url, source.match, source.query, source.window_s, source.step, rows,
                 when)


def series_name(name: str, metric: str | None) -> str:
    """The name a series is reported under: `rss`, or the --metric that replaced it."""
    return metric if metric and name == "rss" else name


def instance_json(row: FleetRow, metric: str | None = None) -> dict[str, Any]:
    data, result = row.data, row.result
    ts = data.table.ts
    return {
        "instance": data.instance,
        "job": data.job,
        "labels": {k: v for k, v in data.labels.items() if k not in ("instance", "job")},
        "verdict": result.verdict,
        "series": {series_name(n, metric): s.to_json() for n, s in result.stats.items()},
        "samples": result.samples,
        "span_s": round(result.span_s, 1),
        "first_ts": float(ts[0]) if len(ts) else None,
        "last_ts": float(ts[-1]) if len(ts) else None,
        "present": row.present,
        "restarts": data.restarts,
        "seconds_to_limit": None if result.seconds_to_limit is None
        else round(result.seconds_to_limit, 1),
        "sparkline": spark_of(row, deciding_series(result) or "rss"),
    }


def fleet_json(fleet: Fleet, metric: str | None = None) -> dict[str, Any]:
    """{"source", "match", "window_s", "step_s", "query", "instances": [...]}, growing first."""
    return {
        "source": fleet.source,
        "match": fleet.match,
        "window_s": int(fleet.window_s),
        "step_s": fleet.step_s,
        "query": fleet.query,
        "instances": [instance_json(r, metric) for r in fleet.rows],
    }


def spark_of(row: FleetRow, name: str, width: int = SPARK_WIDTH) -> str:
    table = judged(row.data.table)
    if not table.has(name):
        return ""
    values = table.column(name)
    return sparkline(values[~np.isnan(values)], width, fit=True)


def fleet_lines(report: dict[str, Any], markdown: bool) -> list[str]:
    """The fleet section of the text/Markdown report: a table, one row per instance, with a
    sparkline of the series that decides its verdict."""
    from leaktui.units import format_duration

    fleet = report
    h2 = "## " if markdown else ""
    count = len(fleet["instances"])
    out = [f"{h2}Fleet: {count} instance{'s' if count != 1 else ''} from {fleet['source']}",
           f"query {fleet['query']}, last {format_duration(fleet['window_s'])}"
           f" (a point every {fleet['step_s']} s)", ""]
    mark = {"growing": "▲ GROWING", "stable": "= stable", "insufficient-data": "? too little data"}
    headers = ["instance", "job", "labels", "verdict", "floor slope", "rss", "heapUsed",
               "trend"]
    rows = []
    for inst in fleet["instances"]:
        series = inst["series"]
        deciding = next((n for n in ("heapUsed", "external") if n in series
                         and series[n]["rising"]), None) \
            or next((n for n in ("heapUsed", "external") if n in series), None) \
            or next(iter(series), None)
        slope = format_rate(series[deciding]["slope_bytes_per_hour"]) + f" {deciding}" \
            if deciding else ""
        labels = ",".join(f"{k}={v}" for k, v in sorted(inst["labels"].items()))
        verdict = mark[inst["verdict"]] + ("" if inst["present"] else " (gone)")
        if inst["restarts"]:
            verdict += f" (restarted {inst['restarts']}x)"
        rss = next((series[n]["last"] for n in series if n not in
                    ("heapUsed", "heapTotal", "external")), None)
        heap = series.get("heapUsed", {}).get("last")
        rows.append([inst["instance"], inst["job"], labels, verdict, slope,
                     format_size(rss) if rss is not None else "-",
                     format_size(heap) if heap is not None else "-",
                     inst.get("sparkline", "")])
    if not any(r[2] for r in rows):
        headers.pop(2)
        rows = [r[:2] + r[3:] for r in rows]
    from leaktui.text import text_table

    out.extend(text_table(headers, rows, markdown))
    return out
