"""Numbers for people and from people, one convention everywhere (TUI, reports, messages,
command lines): **decimal units**, as DevTools shows sizes.

- Printed: 96 B, 830.0 kB, 1.2 MB, 2.1 GB, 1.5 TB (powers of 1000), a growth rate as
  `+1.7 GB/h` (`format_rate`), a change as `+1,234` or, where colour may be lost, `▲ +1,234`
  (`signed`).
- Parsed (`--limit 200M`): `k`, `M`, `G`, `T` (with or without `B`) are powers of 1000, so
  `200M` is 200·10⁶ bytes and prints back as `200.0 MB`; the binary `KiB`, `MiB`, `GiB`, `TiB`
  are powers of 1024 (`2GiB` is 2·1024³) for those who mean them. Plain numbers are bytes.
- Durations: `90s`, `15m`, `2h`, `1d` (plain: seconds), printed as `90 s`, `15 min`, `2 h`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from leaktui.errors import LeakTuiError

SIZE_UNITS = {"": 1, "b": 1,
              "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
              "t": 1000**4, "tb": 1000**4,
              "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def format_size(n: float) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1000
    return f"{sign}{n:.1f} TB"


def format_rate(bytes_per_hour: float) -> str:
    """A growth rate, signed: `+1.7 GB/h`, `-830.0 kB/h`, `+0 B/h`."""
    sign = "-" if bytes_per_hour < 0 else "+"
    return f"{sign}{format_size(abs(bytes_per_hour))}/h"


def signed(n: float, fmt: Callable[[float], str] = "{:,}".format, arrow: bool = False) -> str:
    """A change with its sign (`+1,234`, `-5`, `0`); with ``arrow``, `▲ +1,234` / `▼ -5`, so
    growth never depends on colour (the TUI)."""
    if n > 0:
        return f"{'▲ ' if arrow else ''}+{fmt(n)}"
    if n < 0:
        return f"{'▼ ' if arrow else ''}{fmt(n)}"
    return fmt(0)


def _scaled(text: str, units: dict[str, int] | dict[str, float], letters: str, what: str,
            examples: str) -> float:
    """A positive number followed by one of ``units`` (spelled with ``letters``)."""
    t = text.strip().lower()
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
    """Bytes from `1.5G`, `800M`, `64k` (decimal), `2GiB` (binary) or plain bytes."""
    return int(_scaled(text, SIZE_UNITS, "kmgtib", "size", "1.5G, 800M"))


def parse_duration(text: str) -> float:
    """Seconds from `90`, `90s`, `15m`, `2h`, `1d`."""
    return _scaled(text, DURATION_UNITS, "smhd", "duration", "90s, 15m, 2h")




def format_duration(seconds: float) -> str:
    """`90 s`, `15 min`, `2 h`, `1.5 d`: a window or a time to wait, for people."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:,.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.3g} h"
    return f"{seconds / 86400:,.3g} d"
