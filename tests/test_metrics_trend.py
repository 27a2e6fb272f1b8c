"""The trend: slope of the post-GC floor (not the sawtooth), the verdict, time to a limit."""

from __future__ import annotations

import numpy as np
import pytest

from leaktui.metrics.samples import Sample, SampleTable
from leaktui.metrics.trend import (
    GROWING_FRACTION,
    HOUR,
    MIN_RISE_BYTES,
    MIN_SAMPLES,
    MIN_SPAN_S,
    SPARK,
    all_stats,
    analyse,
    series_stats,
    sparkline,
    time_to_limit,
    verdict,
)

MB = 1e6
T0 = 1_700_000_000.0


def sawtooth(seconds: float, floor_per_hour: float, base: float = 50 * MB,
             amplitude: float = 20 * MB, period: float = 7.0, interval: float = 1.0,
             name: str = "heapUsed", start: float = T0, extra: dict[str, float] | None = None,
             ) -> list[Sample]:
    """A GC sawtooth: climbs by ``amplitude`` over each ``period``, drops back to a floor that
    moves by ``floor_per_hour``."""
    out = []
    for t in np.arange(0.0, seconds, interval):
        floor = base + floor_per_hour * t / HOUR
        value = floor + amplitude * ((t % period) / period)
        out.append(Sample(start + float(t), {name: float(value), **(extra or {})}))
    return out


def test_a_rising_floor_under_a_sawtooth_is_growing_with_its_slope() -> None:
    rate = 60 * MB  # per hour: 10 MB over ten minutes, well past the growth thresholds
    assert rate * 600 / HOUR > max(GROWING_FRACTION * 50 * MB, MIN_RISE_BYTES)
    samples = sawtooth(600, rate)
    stats = series_stats(samples, "heapUsed")
    assert stats is not None and stats.rising
    assert stats.slope_bytes_per_hour == pytest.approx(rate, rel=0.05)
    assert verdict(samples) == "growing"


def test_a_flat_floor_under_a_big_sawtooth_is_stable() -> None:
    amplitude, period = 200 * MB, 7.0
    samples = sawtooth(600, 0.0, amplitude=amplitude, period=period)
    stats = series_stats(samples, "heapUsed")
    assert stats is not None and not stats.rising
    assert abs(stats.slope_bytes_per_hour) < 0.01 * MB
    assert stats.max - stats.min == pytest.approx(amplitude * (1 - 1 / period), rel=1e-6)
    assert verdict(samples) == "stable"


def test_peaks_that_grow_over_a_flat_floor_are_stable() -> None:
    """The heap's high-water mark rising (V8 letting the heap grow before collecting) is not
    a leak; least squares over the raw samples would call it one."""
    samples = sawtooth(600, 0.0, amplitude=1.0)
    grown = [Sample(s.ts, {"heapUsed": s.values["heapUsed"] +
                           ((s.ts - T0) % 7.0) / 7.0 * (s.ts - T0) * 0.2 * MB})
             for s in samples]
    ts = np.asarray([s.ts for s in grown])
    raw = np.polyfit(ts - T0, [s.values["heapUsed"] for s in grown], 1)[0] * HOUR
    assert raw > 100 * MB  # what a naive fit would report
    assert verdict(grown) == "stable"


def test_a_warm_up_that_levels_off_is_stable() -> None:
    samples = []
    for s in sawtooth(900, 0.0):
        t = s.ts - T0
        warm = min(t, 200.0) / 200.0 * 30 * MB  # +30 MB over the first 200 s, then flat
        samples.append(Sample(s.ts, {"heapUsed": s.values["heapUsed"] + warm}))
    assert verdict(samples) == "stable"


def test_noise_on_a_flat_floor_is_stable_and_on_a_rising_one_growing() -> None:
    rng = np.random.default_rng(7)
    flat = [Sample(s.ts, {"heapUsed": s.values["heapUsed"] + float(rng.normal(0, 3 * MB))})
            for s in sawtooth(1200, 0.0)]
    assert verdict(flat) == "stable"
    rising = [Sample(s.ts, {"heapUsed": s.values["heapUsed"] + float(rng.normal(0, 3 * MB))})
              for s in sawtooth(1200, 120 * MB)]
    assert verdict(rising) == "growing"


def test_too_few_samples_or_too_short_a_span_is_insufficient_data() -> None:
    assert verdict([]) == "insufficient-data"
    few = sawtooth(MIN_SAMPLES - 1, 3600 * MB)
    assert verdict(few) == "insufficient-data"
    short = sawtooth(MIN_SPAN_S / 2, 3600 * MB, interval=0.1, period=1.0)
    assert len(short) > MIN_SAMPLES and verdict(short) == "insufficient-data"
    assert verdict(short, min_span_s=MIN_SPAN_S / 4) == "growing"


def test_growth_off_the_heap_in_external_buffers_is_growing() -> None:
    heap = sawtooth(600, 0.0)
    ext = sawtooth(600, 120 * MB, base=5 * MB, amplitude=1 * MB, name="external")
    samples = [Sample(h.ts, {**h.values, **e.values}) for h, e in zip(heap, ext, strict=True)]
    stats = all_stats(samples)
    assert not stats["heapUsed"].rising and stats["external"].rising
    assert verdict(samples) == "growing"


def test_rss_decides_only_without_heap_series() -> None:
    rss_only = sawtooth(600, 120 * MB, name="rss")  # what `watch --pid` records
    assert verdict(rss_only) == "growing"
    with_heap = [Sample(r.ts, {**r.values, **h.values})
                 for r, h in zip(rss_only, sawtooth(600, 0.0), strict=True)]
    assert verdict(with_heap) == "stable"  # rss alone is allocator noise when heap is flat


def test_a_restart_in_the_same_file_is_judged_from_the_new_process() -> None:
    first = sawtooth(600, 0.0, base=400 * MB, extra={"pid": 100.0})
    second = sawtooth(600, 120 * MB, start=T0 + 700, extra={"pid": 200.0})
    assert verdict(first + second) == "growing"  # across both the floor drops at the restart
    result = analyse(first + second)
    assert result.samples == len(second)
    assert result.stats["heapUsed"].min >= 50 * MB  # the old process's 400 MB floor is gone
    flat_after = sawtooth(600, 0.0, start=T0 + 700, extra={"pid": 200.0})
    leaking_before = sawtooth(600, 120 * MB, extra={"pid": 100.0})
    assert verdict(leaking_before + flat_after) == "stable"


def test_the_window_limits_the_slope_to_recent_samples() -> None:
    rate = 120 * MB
    flat = sawtooth(1800, 0.0)
    rising = sawtooth(600, rate, start=T0 + 1800)
    whole = series_stats(flat + rising, "heapUsed")
    recent = series_stats(flat + rising, "heapUsed", window_s=600)
    assert whole is not None and recent is not None
    assert recent.slope_bytes_per_hour == pytest.approx(rate, rel=0.05)
    assert whole.slope_bytes_per_hour < 0.9 * rate


def test_time_to_limit_follows_the_floor_slope() -> None:
    rate = 120 * MB
    samples = sawtooth(600, rate, name="rss")
    last = samples[-1].values["rss"]
    limit = last + 2 * rate  # two hours away at this rate
    assert time_to_limit(samples, limit) == pytest.approx(2 * HOUR, rel=0.05)
    assert time_to_limit(samples, last / 2) == 0.0  # already past it
    assert time_to_limit(sawtooth(600, -rate, base=500 * MB, name="rss"), 1e12) is None
    assert analyse(samples, limit=limit).seconds_to_limit == time_to_limit(samples, limit)


def test_analyse_agrees_with_the_single_functions() -> None:
    samples = sawtooth(600, 60 * MB)
    result = analyse(samples)
    assert result.verdict == verdict(samples)
    assert result.stats == all_stats(samples)
    assert result.span_s == samples[-1].ts - samples[0].ts
    assert analyse(SampleTable.of(samples)) == result


def test_sparkline_last_values_or_all_fitted_to_the_width() -> None:
    values = [float(v) for v in range(100)]
    assert sparkline(values, 8) == sparkline(values[-8:], 8)
    assert len(sparkline(values, 8)) == 8
    fitted = sparkline(values, 10, fit=True)
    assert len(fitted) == 10 and fitted[0] == SPARK[0] and fitted[-1] == SPARK[-1]
    assert sparkline([5.0, 5.0, float("nan")], 10) == SPARK[0] * 2
    assert sparkline([], 10) == ""


def test_the_heap_measured_after_collections_is_the_floor_when_recorded() -> None:
    """Timer samples can catch the heap ever later after each collection (aliasing): their
    minima climb while the heap after every collection stays put."""
    samples = []
    for i in range(600):
        t = float(i)
        late = (i % 60) / 60 * 10 * MB + i / 600 * 8 * MB  # the sampled minima creep up
        samples.append(Sample(T0 + t, {"heapUsed": 50 * MB + late,
                                       "heapUsedAfterGc": 50 * MB + (i % 3) * 0.1 * MB}))
    timer_only = [Sample(s.ts, {"heapUsed": s.values["heapUsed"]}) for s in samples]
    assert verdict(timer_only) == "growing"
    assert verdict(samples) == "stable"
    stats = series_stats(samples, "heapUsed")
    assert stats is not None and stats.max == int(max(s.values["heapUsed"] for s in samples))
    leaking = [Sample(s.ts, {**s.values, "heapUsedAfterGc": s.values["heapUsedAfterGc"] +
                             (s.ts - T0) / HOUR * 120 * MB}) for s in samples]
    assert verdict(leaking) == "growing"
