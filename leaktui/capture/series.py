"""A series of captures, the one loop both routes run: over the inspector (`leaktui capture
--pid/--inspect`) and through Node's --heapsnapshot-signal (`--signal`).

Snapshot ``i`` of a series starts ``interval`` seconds after the previous one started (or
finished, if it took longer), is named `snapshot_name` so a shell glob lists the series in
order, and is not taken when the disk has less room than the previous one took (it would pause
the process for nothing). After a failure mid-series, the complete snapshots stay and are
listed, and the error says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from leaktui.errors import LeakTuiError
from leaktui.units import format_size


@dataclass(frozen=True)
class Plan:
    """What to capture and where, from the command line."""

    output: str
    stem: str
    count: int
    interval: float
    sample: float | None
    track: bool
    yes: bool


class Bar(Protocol):
    """The progress shown for one capture (the command's `ProgressBar`)."""

    def finish(self, path: str, size: int) -> None: ...

    def abandon(self) -> None: ...


# (index, destination path, its progress bar) -> (the file written, its size)
TakeOne = Callable[[int, str, Bar], Awaitable[tuple[str, int]]]


def snapshot_name(stem: str, i: int, count: int) -> str:
    """File name of snapshot ``i`` (0-based) of ``count``: numbered from 1 with zero padding
    (`-01`, `-02`, ... `-11`), so a shell glob lists the series in the order it was taken."""
    return f"{stem}-{i + 1:0{max(2, len(str(count)))}d}.heapsnapshot"


def check_room_for_another(output: str, last_size: int) -> None:
    """Stop a series before a snapshot that cannot fit: it would pause the process for
    nothing."""
    free = shutil.disk_usage(output).free
    if free < last_size:
        raise LeakTuiError(f"{output} has {format_size(free)} free, less than the last snapshot "
                           f"({format_size(last_size)}): stopping before pausing the process "
                           "again")


def fail_keeping(paths: list[str], exc: BaseException) -> None:
    """After a failure mid-series: the complete snapshots stay and are listed (stdout), the
    error says so; no incomplete file is left behind."""
    for path in paths:
        print(path, flush=True)
    if not isinstance(exc, LeakTuiError):
        return  # interrupted: the paths above are what was kept
    kept = f"{len(paths)} complete snapshot(s) kept" if paths else "nothing kept"
    raise LeakTuiError(f"{exc} ({kept}; no incomplete file left)") from None


async def capture_series(plan: Plan, take: TakeOne, make_bar: Callable[[str], Bar],
                         first_delay: float = 0.0) -> list[str]:
    """Take ``plan.count`` snapshots with ``take`` (see the module), the first after
    ``first_delay`` seconds; the paths written, oldest first."""
    paths: list[str] = []
    next_start = time.monotonic() + first_delay
    try:
        for i in range(plan.count):
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))
            next_start = time.monotonic() + plan.interval
            if paths:
                check_room_for_another(plan.output, os.path.getsize(paths[-1]))
            dest = os.path.join(plan.output, snapshot_name(plan.stem, i, plan.count))
            bar = make_bar(f"snapshot {i + 1}/{plan.count}")
            try:
                path, size = await take(i, dest, bar)
            except BaseException:
                bar.abandon()
                raise
            bar.finish(path, size)
            paths.append(path)
    except (LeakTuiError, asyncio.CancelledError) as exc:
        fail_keeping(paths, exc)
        raise
    return paths
