"""Is it leaking, and how fast? Statistics per series and a verdict that looks at the floor
the heap returns to after garbage collections, not at the sawtooth.

The floor is the lowest value in each of a few equal time windows (each long enough to hold
collections). For heapUsed it is taken from the heap measured right after collections when
the preload recorded it (`heapUsedAfterGc`): heapUsed sampled on a timer only approximates the
floor and can alias with the rhythm of collections. The slope is a least-squares line through
those minima. A series is *rising* when its floor climbs by a meaningful amount, the climb
stands out of the floor's scatter (the slope's t statistic), and it is still climbing in the
later half (a warm-up that levelled off is not a leak).

Only the samples of the process writing now are judged: when the preload's `pid` changes
(a restart appending to the same file), the trend starts again from the new process.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from leaktui.errors import LeakTuiError
from leaktui.metrics.samples import FLOOR_KEY, PID_KEY, SERIES, Sample, SampleTable
from leaktui.units import parse_duration

MIN_SAMPLES = 10
MIN_SPAN_S = 20.0
MIN_WINDOWS = 4
MAX_WINDOWS = 8
SAMPLES_PER_WINDOW = 5  # fewer samples than this per window: fewer windows
GROWING_FRACTION = 0.05  # the floor must rise by 5% of its lowest level...
MIN_RISE_BYTES = 1024 * 1024  # ...and by at least 1 MiB over the span judged
MIN_T = 4.0  # the floor's slope over its standard error: a climb, not scatter
STILL_RISING = 0.25  # the later half's slope must be at least this share of the whole
VERDICT_SERIES = ("heapUsed", "external")  # rss decides only when neither is recorded
HOUR = 3600.0

Verdict = str  # "growing" | "stable" | "insufficient-data"
Samples = SampleTable | Sequence[Sample]


@dataclass(frozen=True)
class SeriesStats:
    last: int
    min: int
    max: int
    slope_bytes_per_hour: float
    rising: bool

    def to_json(self) -> dict[str, object]:
        return {"last": self.last, "min": self.min, "max": self.max,
                "slope_bytes_per_hour": round(self.slope_bytes_per_hour, 1),
                "rising": self.rising}


@dataclass(frozen=True)
class Analysis:
    """Everything the views show, computed in one pass over the samples."""

    samples: int  # samples judged (the current process, within the window)
    span_s: float
    stats: dict[str, SeriesStats]
    verdict: Verdict
    seconds_to_limit: float | None


def current_run(table: SampleTable) -> SampleTable:
    """The samples written by the current process: after the last change of `pid`."""
    if not table.has(PID_KEY) or len(table) < 2:
        return table
    pid = table.column(PID_KEY)
    known = np.flatnonzero(~np.isnan(pid))
    if len(known) < 2:
        return table
    changes = np.flatnonzero(pid[known][1:] != pid[known][:-1])
    if len(changes) == 0:
        return table
    return table.since(int(known[changes[-1] + 1]))


def judged(samples: Samples, window_s: float | None = None) -> SampleTable:
    """The samples a trend is computed on: the current process, the last ``window_s``."""
    table = current_run(SampleTable.of(samples))
    if window_s is not None and len(table):
        recent = table.ts >= table.ts.max() - window_s
        if not recent.all():
            table = table.take(recent)
    return table


def window_count(n: int) -> int:
    return int(min(MAX_WINDOWS, max(MIN_WINDOWS, n // SAMPLES_PER_WINDOW)))


def floor_points(ts: np.ndarray, values: np.ndarray,
                 windows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The lowest value (and its time) in each of ``windows`` equal time windows: the floor
    after collections. Empty windows (gaps in the file) are skipped."""
    k = windows or window_count(len(ts))
    edges = np.linspace(ts.min(), ts.max(), k + 1)
    which = np.clip(np.searchsorted(edges, ts, side="right") - 1, 0, k - 1)
    xs, ys = [], []
    for w in range(k):
        idx = np.flatnonzero(which == w)
        if len(idx):
            i = idx[int(np.argmin(values[idx]))]
            xs.append(ts[i])
            ys.append(values[i])
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def slope_t(xs: np.ndarray, ys: np.ndarray) -> float:
    """The least-squares slope divided by its standard error (inf for a perfect line)."""
    n = len(xs)
    if n < 3:
        return 0.0
    x = xs - xs.mean()
    sxx = float((x * x).sum())
    if sxx <= 0:
        return 0.0
    slope = float((x * (ys - ys.mean())).sum()) / sxx
    residual = ys - ys.mean() - slope * x
    se = float(np.sqrt((residual * residual).sum() / (n - 2) / sxx))
    if se <= 1e-9 * max(abs(slope), 1.0):
        return float(np.inf) if slope > 0 else float(-np.inf) if slope < 0 else 0.0
    return slope / se


def slope_per_second(xs: np.ndarray, ys: np.ndarray) -> float:
    if len(xs) < 2 or xs.max() <= xs.min():
        return 0.0
    return float(np.polyfit(xs - xs.min(), ys, 1)[0])


def is_rising(xs: np.ndarray, ys: np.ndarray) -> bool:
    """A floor that climbs meaningfully, steadily and still at the end."""
    if len(ys) < MIN_WINDOWS:
        return False
    slope = slope_per_second(xs, ys)
    rise = slope * (xs[-1] - xs[0])
    if slope <= 0 or rise < max(GROWING_FRACTION * max(float(ys.min()), 0.0), MIN_RISE_BYTES):
        return False
    if slope_t(xs, ys) < MIN_T:
        return False
    later = xs >= xs[0] + (xs[-1] - xs[0]) / 2
    if later.sum() >= 2:
        return slope_per_second(xs[later], ys[later]) >= STILL_RISING * slope
    return True


def enough(ts: np.ndarray, min_span_s: float) -> bool:
    return len(ts) >= MIN_SAMPLES and float(ts[-1] - ts[0]) >= min_span_s


def _stats(ts: np.ndarray, vs: np.ndarray, min_span_s: float,
           floor: np.ndarray | None = None) -> SeriesStats | None:
    """Stats of ``vs``; the trend from ``floor`` (values measured after collections) when it
    has enough readings, else from the minima of ``vs``."""
    keep = ~np.isnan(vs)
    if not keep.any():
        return None
    values = vs[keep]
    fts, fvs = ts[keep], values
    if floor is not None:
        known = ~np.isnan(floor)
        if known.sum() >= 2 * MIN_WINDOWS:
            fts, fvs = ts[known], floor[known]
    slope, rising = 0.0, False
    if len(fts) >= 2 * MIN_WINDOWS and fts[-1] > fts[0]:
        fx, fy = floor_points(fts, fvs)
        slope = slope_per_second(fx, fy) * HOUR
        rising = enough(ts[keep], min_span_s) and is_rising(fx, fy)
    return SeriesStats(int(values[-1]), int(values.min()), int(values.max()), slope, rising)


def _floor_of(table: SampleTable, name: str) -> np.ndarray | None:
    return table.column(FLOOR_KEY) if name == "heapUsed" and table.has(FLOOR_KEY) else None


def series_stats(samples: Samples, name: str, window_s: float | None = None,
                 min_span_s: float = MIN_SPAN_S) -> SeriesStats | None:
    """last/min/max of ``name``, the slope of its floor in bytes per hour, and whether it is
    rising (only with at least MIN_SAMPLES samples over ``min_span_s`` seconds)."""
    table = judged(samples, window_s)
    if not table.has(name):
        return None
    return _stats(table.ts, table.column(name), min_span_s, _floor_of(table, name))


def all_stats(samples: Samples, window_s: float | None = None,
              min_span_s: float = MIN_SPAN_S) -> dict[str, SeriesStats]:
    table = judged(samples, window_s)
    out: dict[str, SeriesStats] = {}
    for name in SERIES:
        if table.has(name):
            stats = _stats(table.ts, table.column(name), min_span_s, _floor_of(table, name))
            if stats is not None:
                out[name] = stats
    return out


def _verdict(table: SampleTable, stats: dict[str, SeriesStats], min_span_s: float) -> Verdict:
    if not enough(table.ts, min_span_s):
        return "insufficient-data"
    deciding = [n for n in VERDICT_SERIES if n in stats] or [n for n in ("rss",) if n in stats]
    if not deciding:
        return "insufficient-data"
    return "growing" if any(stats[n].rising for n in deciding) else "stable"


def verdict(samples: Samples, min_span_s: float = MIN_SPAN_S,
            window_s: float | None = None) -> Verdict:
    """`growing` when the post-GC floor of heapUsed or external (rss when neither is recorded)
    keeps rising; `stable` otherwise; `insufficient-data` with fewer than MIN_SAMPLES samples
    or a span shorter than ``min_span_s``."""
    table = judged(samples, window_s)
    return _verdict(table, all_stats(table, min_span_s=min_span_s), min_span_s)


def _eta(stats: SeriesStats | None, limit: float) -> float | None:
    if stats is None or stats.slope_bytes_per_hour <= 0:
        return None
    return max(0.0, (limit - stats.last) / stats.slope_bytes_per_hour * HOUR)


def time_to_limit(samples: Samples, limit: float, name: str = "rss",
                  window_s: float | None = None) -> float | None:
    """Seconds until ``name`` reaches ``limit`` at its floor's slope (None if it is not
    rising; 0 when already there)."""
    return _eta(series_stats(samples, name, window_s), limit)


def analyse(samples: Samples, window_s: float | None = None, min_span_s: float = MIN_SPAN_S,
            limit: float | None = None, limit_series: str = "rss") -> Analysis:
    """Stats, verdict and time to ``limit`` in one pass (what a live view redraws)."""
    table = judged(samples, window_s)
    stats = all_stats(table, min_span_s=min_span_s)
    span = float(table.ts[-1] - table.ts[0]) if len(table) else 0.0
    eta = _eta(stats.get(limit_series), limit) if limit else None
    return Analysis(len(table), span, stats, _verdict(table, stats, min_span_s), eta)


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[float] | np.ndarray, width: int = 40, fit: bool = False) -> str:
    """Block characters for the last ``width`` values, or with ``fit`` all of them squeezed
    into ``width`` cells (the highest value of each cell, so peaks stay visible)."""
    data = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
    data = data[~np.isnan(data)]
    if not len(data) or width <= 0:
        return ""
    if fit and len(data) > width:
        data = np.asarray([chunk.max() for chunk in np.array_split(data, width)])
    else:
        data = data[-width:]
    lo, hi = float(data.min()), float(data.max())
    if hi <= lo:
        return SPARK[0] * len(data)
    idx = ((data - lo) / (hi - lo) * (len(SPARK) - 1)).round().astype(int)
    return "".join(SPARK[i] for i in idx)


def parse_window(text: str) -> float:
    """A trend window (`--window`): a duration at least as long as a trend needs."""
    seconds = parse_duration(text)
    if seconds < MIN_SPAN_S:
        raise LeakTuiError(f"--window {text} is shorter than the {MIN_SPAN_S:.0f} s a trend "
                           "needs")
    return seconds
