"""The analysis core: load V8 heap snapshots and compute DevTools' numbers. No UI imports.

The names below are loaded when first asked for (PEP 562), so a module of the package that
needs no numpy (`early`, the compiled scanners) can be imported before numpy is."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing`'s: importing it would delay `early`'s start by ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from leaktui.snapshot.graph import (
        BASE_SYSTEM_DISTANCE,
        NO_DISTANCE,
        ClassRow,
        HeapSnapshot,
        Location,
        Statistics,
        load_snapshot,
    )
    from leaktui.snapshot.loader import RawSnapshot, load_raw

_FROM = {
    "BASE_SYSTEM_DISTANCE": "graph", "NO_DISTANCE": "graph", "ClassRow": "graph",
    "HeapSnapshot": "graph", "Location": "graph", "Statistics": "graph",
    "load_snapshot": "graph", "RawSnapshot": "loader", "load_raw": "loader",
}

__all__ = [
    "BASE_SYSTEM_DISTANCE",
    "NO_DISTANCE",
    "ClassRow",
    "HeapSnapshot",
    "Location",
    "RawSnapshot",
    "Statistics",
    "load_raw",
    "load_snapshot",
]


def __getattr__(name: str) -> Any:
    module = _FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
