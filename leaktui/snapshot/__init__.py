"""The analysis core: load V8 heap snapshots and compute DevTools' numbers. No UI imports."""

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
