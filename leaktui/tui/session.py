"""What the user is looking at, with no Textual: the loaded snapshots, the one shown, the
current object and the history of current objects, the suspect cursor and the pins.

The main screen owns one `Session` and changes it; the views read the session they are
given. Everything here is plain state and arithmetic, testable without an app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaktui.pins import PinStore
    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect


@dataclass(frozen=True)
class Loaded:
    """What views are given once loading is done (on the UI thread)."""

    snaps: list[HeapSnapshot]
    suspects: list[Suspect] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # about the series, for the user
    one_process: bool = True  # False: analyses that follow objects by id are off
    problems: list[str] = field(default_factory=list)  # errors to show, e.g. a detector bug

    @property
    def last(self) -> int:
        return len(self.snaps) - 1


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

    # ------------------------------------------------------------------ what is loaded
    def set_loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.current = loaded.last
        self.object_node = None
        self.load_seconds = loaded.seconds

    @property
    def snaps(self) -> list[HeapSnapshot]:
        return self.loaded.snaps

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
        return self.loaded.snaps[self.current]

    @property
    def on_last(self) -> bool:
        """Whether the snapshot shown is the last of the series (suspects and pins live
        there)."""
        return self.is_loaded and self.current == self.loaded.last

    # ------------------------------------------------------------------ moving
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
