"""One line of text per update for `leaktui watch --plain` (logs, pipes, terminals without a
TUI): sparklines, the verdict, the floor's slope and the time to a limit."""

from __future__ import annotations

import datetime as dt

from leaktui.metrics.samples import SampleTable
from leaktui.metrics.trend import MIN_SPAN_S, VERDICT_SERIES, Analysis, Samples, analyse, sparkline
from leaktui.units import format_duration, format_rate, format_size

LINE_SERIES = ("rss", "heapUsed")
MARK = {"growing": "GROWING", "stable": "stable", "insufficient-data": "insufficient-data"}


def deciding_series(result: Analysis) -> str | None:
    """The series whose slope explains the verdict: a rising one first, else the first of
    heapUsed, external, rss that is recorded."""
    names = [n for n in VERDICT_SERIES if n in result.stats] or \
        [n for n in ("rss",) if n in result.stats]
    rising = [n for n in names if result.stats[n].rising]
    chosen = rising or names
    return chosen[0] if chosen else None


def status_line(samples: Samples, bad_lines: int = 0, limit: float | None = None,
                window_s: float | None = None, min_span_s: float = MIN_SPAN_S,
                width: int = 24, waiting: bool = False) -> str:
    """``HH:MM:SS rss ▁▂▄▆█ 109.1 MB  heapUsed ▂▅▃▇ 38.6 MB  floor heapUsed +27.3 MB/h
    GROWING  120 samples/60 s  limit 2.1 GB in 3.2 h  2 bad lines``"""
    table = SampleTable.of(samples)
    if not len(table):
        return "waiting for the metrics file…" if waiting else "no samples yet"
    result = analyse(table, window_s=window_s, min_span_s=min_span_s, limit=limit)
    when = dt.datetime.fromtimestamp(float(table.ts[-1])).strftime("%H:%M:%S")
    parts = [when]
    for name in LINE_SERIES:
        if name in result.stats:
            spark = sparkline(table.column(name), width)
            parts.append(f"{name} {spark} {format_size(result.stats[name].last)}")
    deciding = deciding_series(result)
    if deciding is not None:
        slope = result.stats[deciding].slope_bytes_per_hour
        parts.append(f"floor {deciding} {format_rate(slope)}")
    parts.append(MARK[result.verdict])
    parts.append(f"{result.samples} samples/{result.span_s:,.0f} s")
    if limit:
        eta = result.seconds_to_limit
        parts.append(f"limit {format_size(limit)} " +
                     ("not at this slope" if eta is None else f"in {format_duration(eta)}"))
    if bad_lines:
        parts.append(f"{bad_lines} bad line{'s' if bad_lines != 1 else ''}")
    if waiting:
        parts.append("(file gone: waiting for it)")
    return "  ".join(parts)
