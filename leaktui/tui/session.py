"""What the user is looking at, with no Textual: the loaded snapshots, the one shown, the
current object and the history of current objects, the suspect cursor and the pins.

The main screen owns one `Session` and changes it; the views read the session they are
given. Everything here is plain state and arithmetic, testable without an app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from leaktui.pins import PinStore
    from leaktui.snapshot import HeapSnapshot
    from leaktui.snapshot.lean import AnySnapshot
    from leaktui.suspects import Suspect


@dataclass(frozen=True)
class Loaded:
    """What views are given once loading is done (on the UI thread)."""

    snaps: list[AnySnapshot]  # all but the last may be kept lean (`Session.hold_full`)
    suspects: list[Suspect] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # about the series, for the user
    one_process: bool = True  # False: analyses that follow objects by id are off
    problems: list[str] = field(default_factory=list)  # errors to show, e.g. a detector bug

    @property
    def last(self) -> int:
        return len(self.snaps) - 1

    def full(self, index: int) -> HeapSnapshot:
        """Snapshot ``index``, which must have its graph (the last, the one shown)."""
        snap = self.snaps[index]
        if snap.is_lean:
            raise TypeError(f"snapshot {index + 1} is kept lean: read it in full first")
        return cast("HeapSnapshot", snap)


class Session:
    """The state of one investigation. ``current`` indexes ``snaps``; ``history`` holds
    (snapshot index, node ordinal) pairs and ``history_pos`` the one shown."""

    def __init__(self) -> None:
        self.loaded = Loaded([])
        self.current = 0
        self.object_node: int | None = None  # the current object, in the snapshot shown
        self.history: list[tuple[int, int]] = []
        self.history_pos = -1
        self.suspect_index = -1
        self.pins: PinStore | None = None
        self.load_error: str | None = None
        self.load_seconds = 0.0
        self.held: dict[int, AnySnapshot] = {}  # older ones read in full: their lean parts

    # ------------------------------------------------------------------ what is loaded
    def set_loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.held = {}
        self.current = loaded.last
        self.object_node = None
        self.load_seconds = loaded.seconds

    @property
    def snaps(self) -> list[AnySnapshot]:
        return self.loaded.snaps

    def is_full(self, index: int) -> bool:
        """Whether snapshot ``index`` has its graph (the last always has; an older one kept
        lean is read in full before it is shown)."""
        return not self.loaded.snaps[index].is_lean

    def hold_full(self, index: int, snap: HeapSnapshot) -> None:
        """Snapshot ``index``, kept lean, read in full: it takes its lean part's place (until
        `release_full`)."""
        self.held.setdefault(index, self.loaded.snaps[index])
        self.loaded.snaps[index] = snap

    def release_full(self) -> list[int]:
        """Older snapshots read in full but no longer shown go back to their lean parts, so
        one extra full snapshot at most is kept: the one shown. Returns their indexes."""
        released = [i for i in self.held if i != self.current]
        for i in released:
            self.loaded.snaps[i] = self.held.pop(i)
        return released

    @property
    def suspects(self) -> list[Suspect]:
        return self.loaded.suspects

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

    @property
    def is_loaded(self) -> bool:
        return bool(self.loaded.snaps)

    @property
    def snap(self) -> HeapSnapshot:
        """The snapshot shown: always a full one (an older one is read in full first)."""
        return self.loaded.full(self.current)

    @property
    def on_last(self) -> bool:
        """Whether the snapshot shown is the last of the series (suspects and pins live
        there)."""
        return self.is_loaded and self.current == self.loaded.last

    # ------------------------------------------------------------------ moving
    def index_at(self, step: int) -> int:
        """The index of the snapshot ``step`` away from the one shown (wrapping)."""
        return (self.current + step) % len(self.snaps)

    def step_snapshot(self, step: int) -> int | None:
        """Show the snapshot ``step`` away (wrapping); returns the id of the current object
        to look for in it (None: there was none)."""
        keep = int(self.snap.node_id[self.object_node]) if self.object_node is not None \
            else None
        self.current = (self.current + step) % len(self.snaps)
        self.object_node = None
        return keep

    def show_snapshot(self, index: int) -> bool:
        """Show snapshot ``index``; False if it was shown already."""
        if index == self.current:
            return False
        self.current = index
        self.object_node = None
        return True

    def remember(self, node: int) -> None:
        """``node`` (in the snapshot shown) became the current object by a choice."""
        entry = (self.current, node)
        if not self.history or self.history[self.history_pos] != entry:
            del self.history[self.history_pos + 1:]
            self.history.append(entry)
            self.history_pos = len(self.history) - 1

    def step_history(self, step: int) -> tuple[int, int] | None:
        """The (snapshot, node) ``step`` entries away in the history, now the position;
        None at either end."""
        pos = self.history_pos + step
        if not 0 <= pos < len(self.history):
            return None
        self.history_pos = pos
        return self.history[pos]

    def step_suspect(self, step: int) -> Suspect | None:
        """The suspect ``step`` away from the one last opened (the first one at first)."""
        if not self.suspects:
            return None
        index = self.suspect_index + step if self.suspect_index >= 0 else 0
        return self.choose_suspect(index)

    def choose_suspect(self, index: int) -> Suspect | None:
        if not self.suspects:
            return None
        self.suspect_index = index % len(self.suspects)
        return self.suspects[self.suspect_index]

    # ------------------------------------------------------------------ lookups
    def suspect_for(self, node: int) -> Suspect | None:
        """The suspect whose holder is ``node`` (suspects live in the last snapshot)."""
        if not self.on_last:
            return None
        return next((s for s in self.suspects if s.holder == node), None)

    def header_parts(self, memory_line: str = "") -> list[str]:
        """The header's parts, most important first: warnings, the file, its size, the
        suspects, the live memory line, then the series."""
        if not self.is_loaded:
            return []
        snap, warnings = self.snap, self.warnings
        from leaktui.units import format_size

        parts = [f"! {len(warnings)} warning{'s' if len(warnings) > 1 else ''}: "
                 + "; ".join(warnings)] if warnings else []
        parts += [f"{os.path.basename(snap.path)} [{self.current + 1}/{len(self.snaps)}]",
                  f"{snap.node_count:,} nodes", format_size(snap.total_size),
                  f"loaded in {self.load_seconds:.1f}s"]
        if self.suspects:
            high = sum(s.severity == "high" for s in self.suspects)
            parts.append(f"suspects {len(self.suspects)} ({high} high)")
        if memory_line:
            parts.append(memory_line)
        if len(self.snaps) > 1:
            parts.append("series: " + " ".join(
                ("▶" if i == self.current else "") + os.path.basename(s.path)
                for i, s in enumerate(self.snaps)))
        return parts
