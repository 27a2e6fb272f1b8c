"""What the analyses of a series read of an older snapshot, taken while it is loaded fully.

An older snapshot of a series is kept lean (`lean.LeanSnapshot`): ids, classes and sizes, no
graph. The growing holders and the leak-suspect detectors read a little more of it (entry
counts and retained sizes of its collections, its timer groups, its listener counts...). Each
such read is an *older-snapshot summary*: a function of a full snapshot alone (never of the
last snapshot of the series, which is not loaded yet when it runs) registered here under a
key, returning compact arrays over the few nodes it is about (its collections, its timers),
each with an ``nbytes`` (what keeping it costs).

`LeanSnapshot.of(snap)` runs every registered summary on the full snapshot and keeps the
results; `summary_of(snap, key)` is the one accessor: the stored summary of a lean snapshot, or
the same function run (and remembered) on a full one, so a full series and a lean one answer
from the same numbers.

Summaries are registered by the module that reads them (`growth`, the detectors in
`leaktui.suspects`) when it is imported: import those before making a snapshot lean. Some are
taken on second threads at the same time as the others (`SummariesTaken`): a summary reads the
snapshot and keeps what it computes through `cached`, never changing the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from leaktui.snapshot._threads import Beside

if TYPE_CHECKING:
    from leaktui.snapshot.graph import HeapSnapshot


class Summary(Protocol):
    @property
    def nbytes(self) -> int: ...


S = TypeVar("S", bound=Summary)

SUMMARIES: dict[str, Callable[[HeapSnapshot], Any]] = {}


def older_summary(key: str) -> Callable[[Callable[[HeapSnapshot], S]],
                                        Callable[[HeapSnapshot], S]]:
    """Register ``function(full snapshot) -> summary`` under ``key``."""

    def register(function: Callable[[HeapSnapshot], S]) -> Callable[[HeapSnapshot], S]:
        SUMMARIES[key] = function
        return function

    return register


def take_summaries(snap: HeapSnapshot) -> dict[str, Any]:
    """Every registered summary of ``snap`` (a full snapshot about to be dropped)."""
    return SummariesTaken(snap).result()


class SummariesTaken:
    """Every registered summary of ``snap``, those named in ``beside`` started at once on
    second threads (summaries whose work is mostly compiled kernels, which release the GIL),
    the others taken by `result`, which waits for all: the caller has the time between to do
    its own work beside them."""

    def __init__(self, snap: HeapSnapshot, beside: Collection[str] = ()) -> None:
        self._snap = snap
        self._beside = {key: Beside(summary_of, snap, key, name=f"leaktui-summary-{key}")
                        for key in SUMMARIES if key in beside}

    def wait(self) -> None:
        """Wait for those on second threads to end, whatever their outcome."""
        for running in self._beside.values():
            running.wait()

    def result(self) -> dict[str, Any]:
        try:
            taken = {key: summary_of(self._snap, key) for key in SUMMARIES
                     if key not in self._beside}
        except BaseException:
            self.wait()
            raise
        taken.update((key, running.result()) for key, running in self._beside.items())
        return {key: taken[key] for key in SUMMARIES}  # in the order registered


def summary_of(snap: Any, key: str) -> Any:
    """The summary ``key`` of ``snap``: stored with a lean snapshot, computed once on a full
    one."""
    stored = getattr(snap, "summaries", None)
    if stored is not None:
        try:
            return stored[key]
        except KeyError:
            raise LookupError(
                f"{snap.path}: kept lean without its '{key}' summary (the module reading it "
                "was not imported when the snapshot was made lean)") from None
    return snap.cached(f"older:{key}", lambda: SUMMARIES[key](snap))


def summaries_nbytes(summaries: dict[str, Any]) -> int:
    return sum(int(s.nbytes) for s in summaries.values())
