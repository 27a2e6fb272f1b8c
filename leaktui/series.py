"""Opening a series of snapshots, the one way the TUI and `leaktui report` do it.

`load_series(paths, progress)` loads every file (a file that cannot be used is left out and
named in a warning; only when none can be used is that an error, the first file's), puts the
snapshots oldest first and checks they are of one process (`snapshot.series.order_series`),
then looks for leak suspects: in the whole series when it is of one process, else in the last
snapshot alone. When the suspect finder fails, the snapshots still open: the series comes back
with no suspects and `suspects_error` saying so.

Runs in a worker thread (the TUI's loading worker) or in the foreground (`report`): it never
prints and never touches a widget; it reports through ``progress`` and stops (raising
`LoadCancelled`) when ``cancelled()`` turns true, checked at every progress step.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, cast

from leaktui.errors import LoadCancelled as LoadCancelled
from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot import series as ordering
from leaktui.snapshot._memory import recycling
from leaktui.snapshot._threads import Beside
from leaktui.snapshot.lean import AnySnapshot

if TYPE_CHECKING:
    from leaktui.snapshot.loader import ProgressCallback
    from leaktui.suspects import Suspect

SUSPECTS_PHASE = "looking for leak suspects"
LEAN_PHASE = "keeping what the series needs of it"


SeriesProgress = Callable[[int, int, str, str, float], None]
"""File ``index`` of ``count`` (``path``) is in ``phase``, ``fraction`` done."""


class SnapshotLoader(Protocol):
    def __call__(self, path: str, progress: ProgressCallback | None = None) -> HeapSnapshot:
        ...


@dataclass(frozen=True)
class OpenedSeries:
    """What the TUI shows and `report` writes: the snapshots oldest first, their suspects and
    what the user must be told."""

    snaps: list[AnySnapshot]  # oldest first; all but the last may be lean
    suspects: list[Suspect]
    warnings: list[str]  # files left out, reordered, not of one process
    one_process: bool = True
    seconds: float = 0.0  # loading, ordering and the suspect finder
    suspects_error: str | None = None  # the suspect finder failed: this says how
    suspects_traceback: str | None = field(default=None, repr=False)  # for a log
    alongside: Any = field(default=None, repr=False)  # what `load_series`' ``alongside`` gave

    @property
    def last(self) -> HeapSnapshot:
        """The newest snapshot, always full."""
        last = self.snaps[-1]
        assert isinstance(last, HeapSnapshot)
        return last

    def full(self) -> list[HeapSnapshot]:
        """The snapshots when none was kept lean (opened without ``lean``)."""
        full = [s for s in self.snaps if isinstance(s, HeapSnapshot)]
        if len(full) != len(self.snaps):
            raise TypeError("this series was opened lean: its older snapshots have no graph")
        return full


def load_series(paths: Sequence[str], progress: SeriesProgress | None = None, *,
                loader: SnapshotLoader = load_snapshot,
                cancelled: Callable[[], bool] | None = None,
                find_suspects: Callable[[Sequence[AnySnapshot]], list[Suspect]] | None = None,
                lean: bool = False,
                alongside: Callable[[list[AnySnapshot], bool], Any] | None = None
                ) -> OpenedSeries:
    """Open ``paths`` as one series (see the module). ``loader`` is `load_snapshot` unless a
    test gives another with its signature; ``find_suspects`` defaults to
    `leaktui.suspects.find_suspects`. With ``lean`` every snapshot but the newest is kept
    lean (`snapshot.lean`, with its older-snapshot summaries): see `_load_lean`. With
    ``alongside``, ``alongside(snapshots oldest first, one_process)`` runs on a second thread
    while the suspects are looked for (what a caller reads of the series besides them: the
    report's comparison), its result in `OpenedSeries.alongside` and its exception raised
    here; it must not change the snapshots (both read them at once). Raises
    `LeakTuiError` when no file can be used and `LoadCancelled` when ``cancelled()`` turned
    true."""
    with recycling():  # the big temporaries' pages handed from phase to phase
        return _load_series(paths, progress, loader, cancelled, find_suspects, lean, alongside)


def _load_series(paths: Sequence[str], progress: SeriesProgress | None,
                 loader: SnapshotLoader, cancelled: Callable[[], bool] | None,
                 find_suspects: Callable[[Sequence[AnySnapshot]], list[Suspect]] | None,
                 lean: bool, alongside: Callable[[list[AnySnapshot], bool], Any] | None
                 ) -> OpenedSeries:
    started = time.perf_counter()
    count = len(paths)
    stop = cancelled or (lambda: False)

    def report(index: int, path: str, phase: str, fraction: float) -> None:
        if stop():
            raise LoadCancelled
        if progress is not None:
            progress(index, count, path, phase, fraction)

    if lean:
        order, warnings = _load_lean(paths, report, loader)
    else:
        snaps, warnings = load_files(paths, report, loader)
        order = ordering.order_series(snaps)
    warnings += order.warnings
    report(count - 1, paths[-1], SUSPECTS_PHASE, 1.0)
    if find_suspects is None:
        from leaktui.suspects import find_suspects as default_finder

        find_suspects = default_finder
    suspects: list[Suspect] = []
    error = trace = None
    beside = (None if alongside is None else
              Beside(alongside, list(order.snaps), order.one_process, name="leaktui-alongside"))
    try:
        suspects = find_suspects(order.snaps if order.one_process else order.snaps[-1:])
    except (LoadCancelled, MemoryError):
        if beside is not None:
            beside.wait()
        raise
    except Exception as exc:  # a detector's bug must not keep the snapshots closed
        trace = traceback.format_exc()
        error = (f"Looking for leak suspects failed ({type(exc).__name__}: {exc}); "
                 "the snapshots are open.")
    return OpenedSeries(order.snaps, suspects, warnings, order.one_process,
                        time.perf_counter() - started, error, trace,
                        None if beside is None else beside.result())


def _load_lean(paths: Sequence[str], report: Callable[[int, str, str, float], None],
               loader: SnapshotLoader) -> tuple[ordering.SeriesOrder, list[str]]:
    """Every file loaded fully in turn; all but the last given kept lean (its lean part and
    older-snapshot summaries taken, the full snapshot dropped before the next file is read),
    so at most one full snapshot is held at a time. Ordered as `order_series` orders full
    ones (it reads only what lean ones keep). When the newest is not the last file given (or
    that one could not be used), the full one is made lean and the newest read again."""
    import leaktui.suspects  # noqa: F401  (registers the detectors' older-snapshot summaries)
    from leaktui.snapshot.lean import LeanSnapshot
    from leaktui.snapshot.pipeline import no_passes_beside

    count = len(paths)

    def load(index: int, path: str, keep: bool) -> AnySnapshot:
        # One kept lean never has its suspects looked for: no passes for them beside it.
        with nullcontext() if keep else no_passes_beside():
            snap = loader(path, lambda phase, fraction: report(index, path, phase, fraction))
        if keep:
            return snap
        report(index, path, LEAN_PHASE, 0.0)
        lean = LeanSnapshot.of(snap)
        del snap
        return lean

    tried = iter(range(count))

    def load_next(path: str) -> AnySnapshot:
        index = next(tried)
        return load(index, path, index == count - 1)

    loaded = ordering.load_series(paths, load_next)
    warnings = list(loaded.warnings)
    order = ordering.order_series(loaded.snaps)
    del loaded
    snaps = list(order.snaps)
    order = replace(order, snaps=[])  # ``snaps`` alone holds them: a full one can be let go
    if not isinstance(snaps[-1], HeapSnapshot):
        for i, s in enumerate(snaps):
            if isinstance(s, HeapSnapshot):
                report(list(paths).index(s.path), s.path, LEAN_PHASE, 0.0)
                snaps[i] = LeanSnapshot.of(s)
        del s
        newest = snaps[-1].path
        snaps[-1] = load(list(paths).index(newest), newest, True)
    return replace(order, snaps=snaps), warnings


def load_files(paths: Sequence[str],
               report: Callable[[int, str, str, float], None] | None = None,
               loader: SnapshotLoader = load_snapshot,
               keep_going: bool = True) -> tuple[list[HeapSnapshot], list[str]]:
    """(the snapshots in the order given, a warning per file left out). ``report(index, path,
    phase, fraction)`` hears every loading phase. With ``keep_going`` False the first file
    that cannot be used is the error."""

    def load(index: int, path: str) -> HeapSnapshot:
        if report is None:
            return loader(path)
        return loader(path, lambda phase, fraction: report(index, path, phase, fraction))

    if not keep_going:
        return [load(i, p) for i, p in enumerate(paths)], []
    tried = iter(range(len(paths)))
    loaded = ordering.load_series(paths, lambda p: load(next(tried), p))
    return cast("list[HeapSnapshot]", loaded.snaps), list(loaded.warnings)
