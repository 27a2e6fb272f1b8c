"""Messages of the app as a whole: loading progress from the worker thread, and the requests
any view may post to the main screen (which owns the session and answers them).
Widget-specific events are nested in their widgets (e.g. `ClassSummaryTable.ClassChosen`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    import numpy as np

    from leaktui.tui.session import Loaded


class LoadProgress(Message):
    """Posted from the loading thread; a flood collapses to the latest one."""

    def __init__(self, index: int, count: int, path: str, phase: str, fraction: float) -> None:
        super().__init__()
        self.index, self.count, self.path = index, count, path
        self.phase, self.fraction = phase, fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LoadProgress)


class SnapshotsLoaded(Message):
    def __init__(self, loaded: Loaded) -> None:
        super().__init__()
        self.loaded = loaded


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class OpenObject(Message):
    """A request: make ``node`` the current object (opens the investigation view).
    ``snapshot`` is an index into the loaded series; None means the one shown. ``focus``
    False keeps the view and pane shown (e.g. `o` on a highlighted retainer);
    ``follow_class`` False leaves the classes and instances panes where they are (a choice
    made in them)."""

    def __init__(self, node: int, snapshot: int | None = None, focus: bool = True,
                 follow_class: bool = True) -> None:
        super().__init__()
        self.node, self.snapshot, self.focus = node, snapshot, focus
        self.follow_class = follow_class


class OpenObjects(Message):
    """A request: list objects (e.g. the new objects of a class) in the instances pane of
    the investigation view."""

    def __init__(self, nodes: np.ndarray, title: str, snapshot: int | None = None) -> None:
        super().__init__()
        self.nodes, self.title, self.snapshot = nodes, title, snapshot


class OpenSuspect(Message):
    """A request: open leak suspect ``index`` (of the session's ranked list)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class OpenPin(Message):
    """A request: open the pinned object ``node_id`` (in the last snapshot)."""

    def __init__(self, node_id: int) -> None:
        super().__init__()
        self.node_id = node_id
