"""Sizes given on the command line: `1.5G`, `800M`, `64k`, or plain bytes."""

from __future__ import annotations

from leaktui.errors import LeakTuiError

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
         "gb": 1024**3, "t": 1024**4, "tb": 1024**4}


def parse_size(text: str) -> int:
    t = text.strip().lower().replace("ib", "b")
    number = t.rstrip("kmgtb")
    unit = t[len(number):]
    try:
        value = float(number)
    except ValueError:
        raise LeakTuiError(f"not a size: {text!r} (try 1.5G, 800M)") from None
    if unit not in UNITS or value <= 0:
        raise LeakTuiError(f"not a size: {text!r} (try 1.5G, 800M)")
    return int(value * UNITS[unit])
