"""Sizes and durations given on the command line (`1.5G`, `800M`, `64k`, plain bytes;
`90s`, `15m`, `2h`), and durations for people."""

from __future__ import annotations

import math

from leaktui.errors import LeakTuiError

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
         "gb": 1024**3, "t": 1024**4, "tb": 1024**4}
DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _scaled(text: str, units: dict[str, int] | dict[str, float], letters: str, what: str,
            examples: str) -> float:
    """A positive number followed by one of ``units`` (spelled with ``letters``)."""
    t = text.strip().lower().replace("ib", "b")  # 2GiB is 2G
    number = t.rstrip(letters)
    unit = t[len(number):]
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if unit not in units or not math.isfinite(value) or value <= 0:
        raise LeakTuiError(f"not a {what}: {text!r} (try {examples})")
    return value * units[unit]


def parse_size(text: str) -> int:
    """Bytes from `1.5G`, `800M`, `64k`, `2GiB` or plain bytes (binary units)."""
    return int(_scaled(text, UNITS, "kmgtb", "size", "1.5G, 800M"))


def parse_duration(text: str) -> float:
    """Seconds from `90`, `90s`, `15m`, `2h`, `1d`."""
    return _scaled(text, DURATION_UNITS, "smhd", "duration", "90s, 15m, 2h")


def parse_window(text: str) -> float:
    """A trend window (`--window`): a duration at least as long as a trend needs."""
    from leaktui.metrics.trend import MIN_SPAN_S

    seconds = parse_duration(text)
    if seconds < MIN_SPAN_S:
        raise LeakTuiError(f"--window {text} is shorter than the {MIN_SPAN_S:.0f} s a trend "
                           "needs")
    return seconds


def format_duration(seconds: float) -> str:
    """`90 s`, `15 min`, `2 h`, `1.5 d`: a window or a time to wait, for people."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.3g} h"
    return f"{seconds / 86400:,.3g} d"
