"""MemoryPanel (view 4): the live memory view of `--metrics FILE`, or how to get one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from leaktui.tui.memory import MemoryView
from leaktui.tui.views import LeakView

HOW_TO = ("Live memory: start leaktui with --metrics FILE, a JSON Lines or CSV file the "
          "service appends process.memoryUsage() samples to, e.g.\n\n"
          '  node -r "$(leaktui preload-path)" app.js\n\n'
          "then: leaktui SNAPSHOT --metrics FILE (or leaktui watch FILE).")


class MemoryPanel(Container, LeakView):
    def __init__(self, metrics: str | None, poll: bool = False, limit: int | None = None,
                 window_s: float | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.metrics, self.poll, self.limit, self.window_s = metrics, poll, limit, window_s

    def compose(self) -> ComposeResult:
        if self.metrics:
            yield MemoryView(path=self.metrics, poll=self.poll, limit=self.limit,
                             window_s=self.window_s, id="memory-view")
        else:
            yield Static(HOW_TO, id="memory-text")

    def summary_line(self) -> str:
        """One line for the header ("" without a metrics file or samples)."""
        views = self.query(MemoryView)
        return views.first().summary_line() if views else ""
