"""Trees that keep their drawn lines when only their height changes."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.widgets import Tree

RowT = TypeVar("RowT")


class SteadyTree(Tree[RowT]):
    """A Tree that lets a change of height alone pass without rebuilding its lines.

    Textual's Tree forgets every drawn line and asks for a new layout on any resize, though
    its lines are cached by width and a taller or shorter pane shows the same lines. The
    object pane's summary above the tree takes the height its text needs, so each object
    previewed resized the tree after the frame that showed it, and every line of the tree
    was built and laid out once more (benchmarks/bench_tui_pty.py traces the frames)."""

    _drawn_width = -1
    _keep_lines = False  # set while Tree's own handler of a height-only resize runs

    def _on_resize(self, event: events.Resize) -> None:
        # Runs before Tree's own handler of the same event, which forgets the lines.
        if event.size.width == self._drawn_width:
            self._keep_lines = True
            self.call_next(self._forget_keeping)  # only for this resize, whatever Tree does
        self._drawn_width = event.size.width

    def _forget_keeping(self) -> None:
        self._keep_lines = False

    def _invalidate(self) -> None:
        if self._keep_lines:
            self._keep_lines = False
            self.refresh()  # the new region is drawn from the lines cached
            return
        super()._invalidate()
