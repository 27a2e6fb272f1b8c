"""What the TUI's loading worker runs: a series loader (paths and a progress callback in, a
`Loaded` out). `LeakApp` takes one as an argument, so tests pass their own; the default,
`series_loader()`, reads each file, orders the series, finds the suspects and prepares the
first pages of huge classes. No Textual here; nothing heavy is imported until it runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from leaktui.tui.session import Loaded

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect

SeriesProgress = Callable[[int, int, str, str, float], None]
"""(index of the file, number of files, its path, the phase, fraction of the phase done)."""
SeriesLoader = Callable[[Sequence[str], SeriesProgress], Loaded]
SnapshotLoader = Callable[..., "HeapSnapshot"]
SuspectFinder = Callable[[list["HeapSnapshot"]], list["Suspect"]]


class LoadCancelled(Exception):
    """Raised from the progress callback when the app quits during loading."""


def series_loader(loader: SnapshotLoader | None = None,
                  find: SuspectFinder | None = None) -> SeriesLoader:
    """The default series loader over ``loader`` (one file and a progress callback in, a
    snapshot out; default `load_snapshot`) and ``find`` (default `find_suspects`)."""

    def load_all(paths: Sequence[str], progress: SeriesProgress) -> Loaded:
        from leaktui.snapshot import load_snapshot
        from leaktui.snapshot.series import load_series, order_series
        from leaktui.tui.widgets.instances import AHEAD_PAGES, PAGE

        count, tried = len(paths), [0]

        def load(path: str) -> HeapSnapshot:
            i = tried[0]
            tried[0] += 1
            return (loader or load_snapshot)(
                path, lambda phase, fraction: progress(i, count, path, phase, fraction))

        loaded = load_series(list(paths), load)  # a bad file is left out, and named
        series = order_series(loaded.snaps)
        snaps = series.snaps
        progress(count - 1, count, paths[-1], "looking for leak suspects", 1.0)
        suspects, problems = find_or_say(snaps if series.one_process else snaps[-1:], find)
        for snap in snaps:  # huge classes: their first pages of instances, sorted now
            snap.warm_class_tops(k=PAGE * AHEAD_PAGES)
        return Loaded(snaps, suspects, 0.0, loaded.warnings + series.warnings,
                      series.one_process, problems)

    return load_all


def find_or_say(snaps: list[HeapSnapshot], find: SuspectFinder | None
                ) -> tuple[list[Suspect], list[str]]:
    """The suspects, or none and why: the snapshots open even if a detector fails."""
    if find is None:
        from leaktui.suspects import find_suspects

        find = find_suspects
    try:
        return find(snaps), []
    except (LoadCancelled, MemoryError):
        raise
    except Exception as exc:
        logging.getLogger(__name__).exception("a suspect detector failed")
        return [], [f"Looking for leak suspects failed ({type(exc).__name__}: {exc}); "
                    "the snapshots are open."]
