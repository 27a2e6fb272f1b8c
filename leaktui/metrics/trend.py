"""Is it leaking, and how fast? Statistics per series and a verdict that looks at the floor
the heap returns to after garbage collections, not at the sawtooth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.metrics.samples import SERIES, Sample

MIN_SAMPLES = 10
MIN_SPAN_S = 20.0
WINDOWS = 8  # the floor is the minimum of each of this many time windows
GROWING_FRACTION = 0.05  # the floor rose by 5% of its level over the span...
GROWING_STEPS = 0.75  # ...and rose in at least 75% of window-to-window steps


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


def floor_points(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest value of each of WINDOWS equal time windows: the post-GC floor."""
    edges = np.linspace(ts[0], ts[-1], WINDOWS + 1)
    which = np.clip(np.searchsorted(edges, ts, side="right") - 1, 0, WINDOWS - 1)
    xs, ys = [], []
    for w in range(WINDOWS):
        sel = which == w
        if sel.any():
            i = int(np.argmin(np.where(sel, values, np.inf)))
            xs.append(ts[i])
            ys.append(values[i])
    return np.asarray(xs), np.asarray(ys)


def series_stats(samples: list[Sample], name: str, window_s: float | None = None,
                 min_span_s: float = MIN_SPAN_S) -> SeriesStats | None:
    pts = [(s.ts, s.values[name]) for s in samples if name in s.values]
    if not pts:
        return None
    ts = np.asarray([p[0] for p in pts])
    vs = np.asarray([p[1] for p in pts])
    if window_s is not None:
        keep = ts >= ts[-1] - window_s
        ts, vs = ts[keep], vs[keep]
    slope, rising = 0.0, False
    if len(ts) >= MIN_SAMPLES and ts[-1] - ts[0] >= min_span_s:
        fx, fy = floor_points(ts, vs)
        if len(fx) >= 3:
            slope = float(np.polyfit(fx - fx[0], fy, 1)[0]) * 3600.0
            steps = np.diff(fy)
            rising = bool(fy[-1] - fy[0] > GROWING_FRACTION * max(fy[0], 1.0)
                          and (steps > 0).mean() >= GROWING_STEPS)
    return SeriesStats(int(vs[-1]), int(vs.min()), int(vs.max()), slope, rising)


def verdict(samples: list[Sample], min_span_s: float = MIN_SPAN_S) -> str:
    """`growing` when the post-GC floor of heapUsed (or rss without it) keeps rising,
    `stable` otherwise, `insufficient-data` with too few samples or too short a span."""
    if len(samples) < MIN_SAMPLES or samples[-1].ts - samples[0].ts < min_span_s:
        return "insufficient-data"
    for name in ("heapUsed", "rss"):
        stats = series_stats(samples, name, min_span_s=min_span_s)
        if stats is not None:
            return "growing" if stats.rising else "stable"
    return "insufficient-data"


def time_to_limit(samples: list[Sample], limit: float, name: str = "rss") -> float | None:
    """Seconds until ``name`` reaches ``limit`` at the floor's current slope (None if never)."""
    stats = series_stats(samples, name)
    if stats is None or stats.slope_bytes_per_hour <= 0:
        return None
    return max(0.0, (limit - stats.last) / stats.slope_bytes_per_hour * 3600.0)


def all_stats(samples: list[Sample]) -> dict[str, SeriesStats]:
    out = {}
    for name in SERIES:
        stats = series_stats(samples, name)
        if stats is not None:
            out[name] = stats
    return out


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 40) -> str:
    if not values:
        return ""
    data = np.asarray(values[-width:], dtype=float)
    lo, hi = float(data.min()), float(data.max())
    if hi <= lo:
        return SPARK[0] * len(data)
    idx = ((data - lo) / (hi - lo) * (len(SPARK) - 1)).round().astype(int)
    return "".join(SPARK[i] for i in idx)
