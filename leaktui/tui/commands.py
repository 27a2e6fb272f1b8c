"""The command palette (ctrl+p): views, leak suspects, pinned findings and actions on the
current object, from what is loaded."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from leaktui.tui.app import LeakApp


class LeakCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: LeakApp = self.app  # type: ignore[assignment]
        out: list[tuple[str, Callable[[], object], str]] = [
            ("View: classes, instances, retainers", partial(app.action_view, "investigate"),
             "key 1"),
            ("View: growth between snapshots", partial(app.action_view, "growth"), "key 2"),
            ("View: leak suspects", partial(app.action_view, "suspects"), "key 3"),
            ("View: live memory", partial(app.action_view, "memory"), "key 4"),
            ("View: statistics", partial(app.action_view, "statistics"), "key 5"),
            ("View: pinned findings", partial(app.action_view, "findings"), "key 6"),
            ("Go to object @id", app.action_goto, "key g"),
            ("Pin the current object", app.action_pin, "key p"),
            ("Copy the current object's path from a root", app.action_copy_path, "key y"),
            ("Save an SVG screenshot", app.action_save_svg, "ctrl+s"),
        ]
        for i, s in enumerate(app.suspects[:20]):
            out.append((f"Suspect: [{s.severity}] {s.title[:90]}",
                        partial(app._open_suspect, i), s.pattern))
        if app.pins is not None:
            for pin in app.pins.pins[:20]:
                out.append((f"Finding: {pin.class_name} @{pin.node_id} {pin.note[:60]}",
                            partial(app._open_pinned, pin.node_id), "pinned"))
        return out

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
