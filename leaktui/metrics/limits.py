"""Sizes and durations given on the command line (`1.5G`, `800M`, `64k`, plain bytes;
`90s`, `15m`, `2h`), and sizes for people."""

from __future__ import annotations

import math

from leaktui.errors import LeakTuiError

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
         "gb": 1024**3, "t": 1024**4, "tb": 1024**4}


def parse_size(text: str) -> int:
    """Bytes from `1.5G`, `800M`, `64k`, `2GiB` or plain bytes (binary units)."""
    t = text.strip().lower().replace("ib", "b")
    number = t.rstrip("kmgtb")
    unit = t[len(number):]
    try:
        value = float(number)
    except ValueError:
        raise LeakTuiError(f"not a size: {text!r} (try 1.5G, 800M)") from None
    if unit not in UNITS or not math.isfinite(value) or value <= 0:
        raise LeakTuiError(f"not a size: {text!r} (try 1.5G, 800M)")
    return int(value * UNITS[unit])


def format_size(n: float) -> str:
    """Bytes for people, decimal units like the TUI: 1.2 MB, 830.0 kB, 96 B."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1000
    return f"{sign}{n:.1f} TB"


DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds from `90`, `90s`, `15m`, `2h`, `1d`."""
    t = text.strip().lower()
    number = t.rstrip("smhd")
    unit = t[len(number):]
    try:
        value = float(number)
    except ValueError:
        raise LeakTuiError(f"not a duration: {text!r} (try 90s, 15m, 2h)") from None
    if unit not in DURATION_UNITS or not math.isfinite(value) or value <= 0:
        raise LeakTuiError(f"not a duration: {text!r} (try 90s, 15m, 2h)")
    return value * DURATION_UNITS[unit]


def format_duration(seconds: float) -> str:
    """`90 s`, `15 min`, `2 h`, `1.5 d`: a window for people."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.3g} h"
    return f"{seconds / 86400:,.3g} d"
