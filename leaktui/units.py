"""Sizes for people, the same everywhere (TUI, reports, messages): decimal units as DevTools
shows them: 96 B, 830.0 kB, 1.2 MB, 2.1 GB, 1.5 TB."""

from __future__ import annotations


def format_size(n: float) -> str:
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1000
    return f"{sign}{n:.1f} TB"
