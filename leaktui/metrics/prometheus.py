"""Memory of many instances from a Prometheus server's HTTP API (range queries), as one
SampleTable per instance: the same columns a metrics file gives, so the same trend and
verdict judge both.

prom-client's default metrics map onto the preload's fields: process_resident_memory_bytes is
`rss`, nodejs_heap_size_used_bytes / _total_bytes are `heapUsed` / `heapTotal`,
nodejs_external_memory_bytes is `external`; the lowest heapUsed within each step
(min_over_time) is the post-GC floor (`heapUsedAfterGc`); nodejs_gc_duration_seconds gives the
GC counters; process_start_time_seconds identifies the process (the `pid` column), so a
restarted service starts a new run instead of showing a drop to zero. Other exporters: rss
through process_resident_memory_bytes, which every client library exports, or `metric=`.

Each refresh asks two range queries for the whole fleet, whatever its size.
"""

from __future__ import annotations

import math
import re
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from leaktui.errors import LeakTuiError
from leaktui.metrics.http import Credentials, first_line, get_json, public_url, split_url
from leaktui.metrics.samples import FLOOR_KEY, PID_KEY, SampleTable

RSS_METRIC = "process_resident_memory_bytes"
NODE_METRICS = {
    "nodejs_heap_size_used_bytes": "heapUsed",
    "nodejs_heap_size_total_bytes": "heapTotal",
    "nodejs_external_memory_bytes": "external",
}
START_METRIC = "process_start_time_seconds"
GC_COUNT = "nodejs_gc_duration_seconds_count"
GC_SUM = "nodejs_gc_duration_seconds_sum"
POINTS = 300  # points per instance a range query aims at
IDENTITY_DROP = ("__name__", "kind")  # labels that do not tell instances apart
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def step_for(window_s: float, points: int = POINTS) -> int:
    """Seconds between points so that ``window_s`` holds about ``points`` of them."""
    return max(1, math.ceil(window_s / points))


def matchers(match: str | None) -> str:
    """The label matchers inside a selector: `{job="api"}` or `job="api",env="prod"`
    (a metric name in front is refused: the metrics are chosen by leaktui)."""
    text = (match or "").strip()
    if not text:
        return ""
    if text.startswith("{"):
        if not text.endswith("}"):
            raise LeakTuiError(f"--match {text}: a selector ends with }}")
        text = text[1:-1].strip()
    elif "{" in text:
        raise LeakTuiError(f"--match {text}: give label matchers only, e.g. "
                           '{job="api"} (leaktui chooses the metrics)')
    return text.rstrip(",")


def selector(names: Iterable[str], match: str | None) -> str:
    """`{__name__=~"a|b", <matchers>}`."""
    inner = f'__name__=~"{"|".join(sorted(names))}"'
    extra = matchers(match)
    return "{" + inner + (", " + extra if extra else "") + "}"


def identity(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k not in IDENTITY_DROP))


def unreset(values: np.ndarray) -> np.ndarray:
    """A counter with its resets undone (each drop continues from the value before it), like
    Prometheus' increase(): a restart does not make a counter go backwards."""
    if len(values) < 2:
        return values
    drops = np.diff(values) < 0
    if not drops.any():
        return values
    carry = np.concatenate([[0.0], np.where(drops, values[:-1], 0.0)])
    return values + np.cumsum(carry)


@dataclass
class InstanceData:
    """One instance's samples over the window and its labels."""

    labels: dict[str, str]
    table: SampleTable
    restarts: int = 0  # process start times seen beyond the first

    @property
    def instance(self) -> str:
        return self.labels.get("instance", "")

    @property
    def job(self) -> str:
        return self.labels.get("job", "")


@dataclass
class _Columns:
    """Points of one instance by field: lists of (ts array, value array)."""

    parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, ts: np.ndarray, vs: np.ndarray) -> None:
        self.parts.setdefault(key, []).append((ts, vs))


def _points(values: object) -> tuple[np.ndarray, np.ndarray]:
    """A range result's [[ts, "value"], ...] as float arrays (NaN, +Inf dropped)."""
    if not isinstance(values, list) or not values:
        return np.empty(0), np.empty(0)
    pairs = np.asarray(values, dtype=object)
    ts = pairs[:, 0].astype(float)
    vs = pairs[:, 1].astype(float)
    keep = np.isfinite(vs)
    return ts[keep], vs[keep]


class PrometheusSource:
    """The fleet's memory from one Prometheus server. ``metric`` replaces
    process_resident_memory_bytes (and the Node series are not asked for)."""

    def __init__(self, url: str, match: str | None = None, window_s: float = 3600.0,
                 creds: Credentials | None = None, metric: str | None = None,
                 timeout: float = 10.0) -> None:
        self.base, self.creds = split_url(url, creds or Credentials())
        self.url = public_url(self.base)
        self.match = match or ""
        matchers(self.match)  # refuse a bad --match before any request
        if metric is not None and not _METRIC_NAME.match(metric):
            raise LeakTuiError(f"--metric {metric!r} is not a metric name")
        self.metric = metric
        self.window_s = float(window_s)
        self.step = step_for(self.window_s)
        self.timeout = timeout

    @property
    def memory_metric(self) -> str:
        return self.metric or RSS_METRIC

    @property
    def query(self) -> str:
        """What the fleet asks for, as shown in the header."""
        names = [self.memory_metric] + ([] if self.metric else list(NODE_METRICS))
        return selector(names, self.match)

    # -- the HTTP API --------------------------------------------------------------------

    def api(self, path: str, params: dict[str, str]) -> object:
        """The `data` of a successful API answer; LeakTuiError otherwise."""
        url = f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        status, body = get_json(url, self.creds, self.timeout)
        where = f"{self.url}/api/v1/{path}"
        if isinstance(body, dict) and body.get("status") == "success" and status == 200:
            return body.get("data")
        if isinstance(body, dict) and body.get("status") == "error":
            raise LeakTuiError(f"{where}: HTTP {status}: {body.get('errorType', 'error')}: "
                               f"{first_line(str(body.get('error', '')).encode())}")
        if status in (401, 403):
            raise LeakTuiError(f"{where}: HTTP {status}: not allowed (give --user or "
                               "--bearer-token, or set LEAKTUI_PROMETHEUS_TOKEN)")
        if status != 200:
            raise LeakTuiError(f"{where}: HTTP {status}")
        raise LeakTuiError(f"{where}: the answer is not Prometheus' query API (is "
                           f"{self.url} a Prometheus server?)")

    def range_query(self, expr: str, start: float, end: float,
                    step: int | None = None) -> list[dict[str, object]]:
        data = self.api("query_range", {"query": expr, "start": f"{start:.3f}",
                                        "end": f"{end:.3f}", "step": str(step or self.step)})
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, list):
            raise LeakTuiError(f"{self.url}: unexpected answer to a range query")
        return [r for r in result if isinstance(r, dict)]

    def instant_query(self, expr: str) -> list[dict[str, object]]:
        data = self.api("query", {"query": expr})
        result = data.get("result") if isinstance(data, dict) else None
        return [r for r in result if isinstance(r, dict)] if isinstance(result, list) else []

    # -- the fleet -----------------------------------------------------------------------

    def fetch(self, now: float | None = None,
              only: Mapping[str, str] | None = None) -> list[InstanceData]:
        """Every matching instance's samples over the window ending ``now`` (two range
        queries). ``only`` narrows to one instance's labels (the instance view)."""
        end = time.time() if now is None else now
        start = end - self.window_s
        match = self.match
        if only is not None:
            match = ", ".join(f'{k}="{_escape(v)}"' for k, v in sorted(only.items()))
        names = {self.memory_metric, START_METRIC}
        if not self.metric:
            names |= set(NODE_METRICS) | {GC_COUNT, GC_SUM}
        raw = self.range_query(selector(names, match), start, end)
        floor: list[dict[str, object]] = []
        if not self.metric:
            heap = selector(["nodejs_heap_size_used_bytes"], match)
            floor = self.range_query(f"min_over_time({heap}[{self.step}s])", start, end)
        instances = self._assemble(raw, floor)
        if not instances and only is None:
            self._explain_empty(match)
        return instances

    def _explain_empty(self, match: str) -> None:
        """No instance: say whether the selector matches nothing or the metric is missing."""
        where = f"{self.url} ({selector([self.memory_metric], match)}, last " \
                f"{_window_text(self.window_s)})"
        inner = matchers(match)
        present: list[str] = []
        if inner:
            groups = self.instant_query(f"group by (__name__) ({{{inner}}})")
            labels = [g.get("metric") for g in groups]
            present = sorted(str(m.get("__name__", "?")) for m in labels if isinstance(m, dict))
        if inner and not present:
            raise LeakTuiError(f"{where}: the selector {{{inner}}} matches no series")
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise LeakTuiError(f"{where}: metric {self.memory_metric} missing (the selector "
                               f"matches {len(present)} other metrics: {shown})")
        raise LeakTuiError(f"{where}: no instance exports {self.memory_metric}")

    def _assemble(self, raw: list[dict[str, object]],
                  floor: list[dict[str, object]]) -> list[InstanceData]:
        by_id: dict[tuple[tuple[str, str], ...], _Columns] = {}
        rss_key = self.memory_metric
        for series in raw:
            labels = series.get("metric")
            if not isinstance(labels, dict):
                continue
            name = labels.get("__name__", "")
            ts, vs = _points(series.get("values"))
            if not len(ts):
                continue
            cols = by_id.setdefault(identity(labels), _Columns())
            if not cols.labels:
                cols.labels = {k: v for k, v in labels.items() if k not in IDENTITY_DROP}
            if name == rss_key:
                cols.add("rss", ts, vs)
            elif name in NODE_METRICS:
                cols.add(NODE_METRICS[name], ts, vs)
            elif name == START_METRIC:
                cols.add(PID_KEY, ts, vs)
            elif name == GC_COUNT:
                cols.add("gcCount", ts, unreset(vs))
                if labels.get("kind") == "major":
                    cols.add("gcMajor", ts, unreset(vs))
            elif name == GC_SUM:
                cols.add("gcPauseMs", ts, unreset(vs) * 1000.0)
        for series in floor:
            labels = series.get("metric")
            if isinstance(labels, dict) and identity(labels) in by_id:
                ts, vs = _points(series.get("values"))
                if len(ts):
                    by_id[identity(labels)].add(FLOOR_KEY, ts, vs)
        out = []
        for cols in by_id.values():
            if "rss" not in cols.parts and not any(k in cols.parts for k in NODE_METRICS.values()):
                continue  # only a start time or GC counters: not a memory series
            table, restarts = _table(cols)
            out.append(InstanceData(cols.labels, table, restarts))
        out.sort(key=lambda d: (d.job, d.instance, identity(d.labels)))
        return out


COUNTERS = ("gcCount", "gcMajor", "gcPauseMs")  # summed over series (GC kinds)


def _carried(n: int, rows: np.ndarray, vs: np.ndarray) -> np.ndarray:
    """``vs`` placed at ``rows`` of ``n`` and carried forward (0 before its first point): a
    counter that has no point at a time still counts what it counted before."""
    column = np.full(n, np.nan)
    column[rows] = vs
    idx = np.where(np.isnan(column), 0, np.arange(n))
    np.maximum.accumulate(idx, out=idx)
    filled = column[idx]
    return np.where(np.isnan(filled), 0.0, filled)


def _table(cols: _Columns) -> tuple[SampleTable, int]:
    """The columns of one instance aligned on the union of their timestamps. Counters summed
    over several series (GC kinds, which appear as collections of that kind happen) carry
    each series' last count forward, so the sum never goes backwards."""
    all_ts = np.unique(np.concatenate([ts for parts in cols.parts.values() for ts, _ in parts]))
    columns: dict[str, np.ndarray] = {}
    for key, parts in cols.parts.items():
        column = np.full(len(all_ts), np.nan)
        for ts, vs in parts:
            rows = np.searchsorted(all_ts, ts)
            if key in COUNTERS:
                column = np.nan_to_num(column) + _carried(len(all_ts), rows, vs)
                continue
            current = column[rows]
            column[rows] = np.where(np.isnan(current), vs, current + vs)
        columns[key] = column
    table = SampleTable.from_columns(all_ts, columns)
    restarts = 0
    if PID_KEY in columns:
        starts = columns[PID_KEY]
        known = starts[~np.isnan(starts)]
        restarts = int((np.diff(known) != 0).sum()) if len(known) > 1 else 0
    return table, restarts


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _window_text(seconds: float) -> str:
    from leaktui.units import format_duration

    return format_duration(seconds)
