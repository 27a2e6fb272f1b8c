"""MemoryView (view 4): the live memory view of `--metrics FILE`, or how to get one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from leaktui.tui.memory import MemoryPanel
from leaktui.tui.view import LeakView

HOW_TO = ("Live memory: start leaktui with --metrics FILE, a JSON Lines or CSV file the "
          "service appends process.memoryUsage() samples to, e.g.\n\n"
          '  node -r "$(leaktui preload-path)" app.js\n\n'
          "then: leaktui SNAPSHOT --metrics FILE (or leaktui watch FILE).")


class MemoryView(Container, LeakView):
    """The live memory of a metrics file (a `MemoryPanel`), or how to get one."""

    def __init__(self, metrics: str | None, poll: bool = False, limit: int | None = None,
                 window_s: float | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.metrics, self.poll, self.limit, self.window_s = metrics, poll, limit, window_s

    def compose(self) -> ComposeResult:
        if self.metrics:
            yield MemoryPanel(path=self.metrics, poll=self.poll, limit=self.limit,
                              window_s=self.window_s, id="memory-view")
        else:
            yield Static(HOW_TO, id="memory-text")

    def summary_line(self) -> str:
        """One line for the header ("" without a metrics file or samples)."""
        panels = self.query(MemoryPanel)
        return panels.first().summary_line() if panels else ""
