"""Python's cyclic garbage collector kept out of the way of the keys.

CPython starts a full (oldest-generation) collection when enough objects have survived the
young ones, and Textual makes cyclic garbage with every frame it draws, so a full collection
lands inside the answer to some key every few seconds, wherever the allocation that tips it
happens to be: 20-105 ms pauses on a 10 MB snapshot in a real terminal, the largest part of
the slowest keys (`benchmarks/bench_tui_pty.py`). Once a load is on screen, `IdleCollector`
moves what the app holds by then out of the collector's way (`gc.freeze`: the snapshots'
Python objects, the widgets, Textual's caches), puts automatic full collections off (the
young generations still collect as usual, a few ms at most), and makes the full collections
itself while no key or mouse event came for `IDLE_S`, or every `LONGEST_S` at the latest
(a key held down). What survives one of those is frozen too, so the next looks only at what
is newer (a few ms, where the objects Textual's caches had gathered since the load made them
6-27 ms, which a key typed at that moment waited for). What was frozen is looked at again,
and its garbage freed, once the user has been idle for `DEEP_IDLE_S` (or every
`DEEP_LONGEST_S`). The process's settings are given back when the app ends.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Protocol

IDLE_S = 0.5  # no input for this long: the user is reading the screen
LONGEST_S = 15.0  # a full collection at least this often, whatever the input
DEEP_IDLE_S = 5.0  # no input for this long: what was frozen since the load is looked at again
DEEP_LONGEST_S = 120.0  # ... at least this often, whatever the input
CHECK_S = 0.25  # how often the timer looks
FULL_NEVER = 1 << 30  # threshold of the oldest generation while this collector runs


class _Timers(Protocol):
    def set_interval(self, interval: float, callback: object, *, name: str | None = None,
                     pause: bool = False) -> object: ...


class IdleCollector:
    """Full collections between keys (see the module's doc)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._saved: tuple[int, int, int] | None = None
        self._last_input = 0.0
        self._last_full = 0.0
        self._last_deep = 0.0
        self._pending = False  # input came since the last full collection
        self._frozen_since_deep = False  # a full collection froze its survivors since
        self.full_collections = 0
        self.deep_collections = 0

    @property
    def active(self) -> bool:
        return self._saved is not None

    def settle(self, app: _Timers | None = None) -> None:
        """After a load is shown: its garbage collected, what is held frozen, and (the first
        time) full collections left to this collector, checked on ``app``'s timer."""
        self._deep()
        self._pending = False
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, FULL_NEVER)
            if app is not None:
                app.set_interval(CHECK_S, self.tick, name="leaktui-idle-collector")

    def _deep(self) -> None:
        """Everything looked at: what an earlier freeze kept can be collected if it was let
        go; what is left is frozen again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = self._last_deep = self._now()
        self._frozen_since_deep = False

    def input(self) -> None:
        """A key or a mouse event came."""
        self._last_input = self._now()
        self._pending = True

    def tick(self) -> None:
        """A full collection if the user is idle since new input (or it has been too long);
        a deep one after a longer idle (see the module's doc)."""
        if self._saved is None:
            return
        now = self._now()
        if ((self._pending and now - self._last_input >= IDLE_S)
                or now - self._last_full >= LONGEST_S):
            gc.collect()
            gc.freeze()  # the survivors too: the next full collection looks only at newer
            self._last_full = now
            self._pending = False
            self._frozen_since_deep = True
            self.full_collections += 1
        elif self._frozen_since_deep and (now - self._last_input >= DEEP_IDLE_S
                                          or now - self._last_deep >= DEEP_LONGEST_S):
            self._deep()
            self.deep_collections += 1

    def stop(self) -> None:
        """The process's collector as it was (the app has ended)."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        gc.unfreeze()
        self._saved = None
