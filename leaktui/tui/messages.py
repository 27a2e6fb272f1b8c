"""Messages of the app as a whole: loading progress from the worker thread, and requests any
view may send to the investigation view. Widget-specific events are nested in their widgets
(e.g. `ClassSummaryTable.ClassChosen`)."""

from __future__ import annotations

import numpy as np
from textual.message import Message

from leaktui.snapshot import HeapSnapshot
from leaktui.suspects import Suspect


class LoadProgress(Message):
    """Posted from the loading thread; a flood collapses to the latest one."""

    def __init__(self, index: int, count: int, path: str, phase: str, fraction: float) -> None:
        super().__init__()
        self.index, self.count, self.path = index, count, path
        self.phase, self.fraction = phase, fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


class SnapshotsLoaded(Message):
    def __init__(self, snaps: list[HeapSnapshot], seconds: float,
                 suspects: list[Suspect], warnings: list[str] | None = None,
                 one_process: bool = True) -> None:
        super().__init__()
        self.snaps, self.seconds, self.suspects = snaps, seconds, suspects
        self.warnings, self.one_process = list(warnings or []), one_process


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ObjectChosen(Message):
    """A view asks for an object to become the current one (opens the investigation view).
    ``snapshot`` is an index into the loaded series; None means the one shown."""

    def __init__(self, node: int, snapshot: int | None = None) -> None:
        super().__init__()
        self.node, self.snapshot = node, snapshot


class ObjectsChosen(Message):
    """A view asks for a list of objects (e.g. the new objects of a class) to be shown in
    the instances pane of the investigation view."""

    def __init__(self, nodes: np.ndarray, title: str, snapshot: int | None = None) -> None:
        super().__init__()
        self.nodes, self.title, self.snapshot = nodes, title, snapshot


class SuspectChosen(Message):
    """A view asks for leak suspect ``index`` (of the app's ranked list) to be opened."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class PinChosen(Message):
    """A view asks for the pinned object ``node_id`` (in the last snapshot) to be opened."""

    def __init__(self, node_id: int) -> None:
        super().__init__()
        self.node_id = node_id
