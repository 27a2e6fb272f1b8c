"""A screen's next frame drawn as soon as the screen has something new and nothing left to do.

Textual draws a screen from its update timer, which ticks on a fixed grid of 1/TEXTUAL_FPS
and, once a frame has taken longer than one step of that grid, skips ahead to the step after
the next: every frame of an answer that takes several (a class highlighted lists its
instances, whose highlight previews the object, whose summary resizes the tree) waited one to
two steps of the grid after the one before, though the app had nothing else to do. Measured in
a real terminal (`benchmarks/bench_tui_pty.py`), that wait was 25-45 ms of a `down` on the
classes and of a filter keystroke. A timer that does not skip has the screen draw when it
asks to (when it is idle with something to draw): after a quiet moment the frames of one
answer come back to back, and over the screen's life it still draws no more frames than its
grid has ticks (it waits for the grid once it has caught up with it).
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def draw_when_ready(screen: Screen[Any]) -> None:
    """Let ``screen`` draw its next frame as soon as it is ready (see the module's doc); call
    it when the screen is mounted. The timer is the one Textual makes for the screen's
    updates (the same object, made now rather than on the first refresh)."""
    screen._update_timer._skip = False
