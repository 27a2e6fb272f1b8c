"""What the TUI's loading worker runs: a series loader (paths and a progress callback in, a
`Loaded` out). `LeakApp` takes one as an argument, so tests pass their own; the default,
`series_loader()`, reads each file (older ones kept lean), orders the series, finds the
suspects and prepares the first pages of huge classes. No Textual here; nothing heavy is
imported until it runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from leaktui.errors import LoadCancelled as LoadCancelled  # raised by a progress callback
from leaktui.tui.session import Loaded

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot
    from leaktui.snapshot.lean import AnySnapshot
    from leaktui.suspects import Suspect

SeriesProgress = Callable[[int, int, str, str, float], None]
"""(index of the file, number of files, its path, the phase, fraction of the phase done)."""
SeriesLoader = Callable[[Sequence[str], SeriesProgress], Loaded]
SnapshotLoader = Callable[..., "HeapSnapshot"]
SuspectFinder = Callable[[Sequence["AnySnapshot"]], list["Suspect"]]


def series_loader(loader: SnapshotLoader | None = None,
                  find: SuspectFinder | None = None) -> SeriesLoader:
    """The default series loader: `leaktui.series.load_series` (the one `report` uses) over
    ``loader`` (one file and a progress callback in, a snapshot out; default `load_snapshot`)
    and ``find`` (default `find_suspects`), then the first pages of huge classes prepared."""

    def load_all(paths: Sequence[str], progress: SeriesProgress) -> Loaded:
        from leaktui.series import load_series
        from leaktui.snapshot import load_snapshot
        from leaktui.tui.widgets.instances import AHEAD_PAGES, PAGE

        opened = load_series(paths, progress, loader=loader or load_snapshot,
                             find_suspects=find, lean=True)
        if opened.suspects_error is not None:
            logging.getLogger(__name__).error("a suspect detector failed:\n%s",
                                              opened.suspects_traceback)
        # Huge classes: their first pages of instances, sorted now (older snapshots are kept
        # lean: they are read in full, and prepared, when first shown).
        opened.last.warm_class_tops(k=PAGE * AHEAD_PAGES)
        problems = [opened.suspects_error] if opened.suspects_error is not None else []
        return Loaded(list(opened.snaps), opened.suspects, 0.0, opened.warnings, opened.one_process,
                      problems)

    return load_all
