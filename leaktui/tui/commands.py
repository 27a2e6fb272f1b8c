"""The command palette (ctrl+p): the views, the leak suspects, the pinned findings and the
actions on the current object, from what is loaded."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from leaktui.tui.app import LeakApp

Command = tuple[str, Callable[[], object], str]


def leak_commands(app: LeakApp) -> list[Command]:
    out: list[Command] = [
        (f"View: {spec.title}", partial(app.action_view, spec.id), f"key {spec.key}")
        for spec in app.view_specs
    ]
    out += [
        ("Go to object @id", app.action_goto, "key g"),
        ("Filter classes by name", app.action_filter, "key /"),
        ("Search the heap: class, name, string value or property name", app.action_search_heap,
         "key F"),
        ("Path of the current object to a GC root", app.action_retainers, "key r"),
        ("Copy the current object's path from a root", app.action_copy_path, "key y"),
        ("Pin the current object with a note", app.action_pin, "key p"),
        ("Save an SVG screenshot", app.action_save_svg, "ctrl+s"),
        ("Help: keys and views", app.action_help, "key ?"),
    ]
    for i, snap in enumerate(app.snaps):
        if i != app.current:
            out.append((f"Snapshot {i + 1}: {snap.path}",
                        partial(app.action_snapshot, i - app.current), "[ and ]"))
    for i, s in enumerate(app.suspects[:20]):
        out.append((f"Suspect: [{s.severity}] {s.title[:90]}",
                    partial(app.open_suspect, i), s.pattern))
    if app.pins is not None:
        for pin in app.pins.pins[:20]:
            out.append((f"Finding: {pin.class_name} @{pin.node_id} {pin.note[:60]}",
                        partial(app.open_object_id, pin.node_id, len(app.snaps) - 1),
                        "pinned"))
    return out


class LeakCommands(Provider):
    def _commands(self) -> list[Command]:
        return leak_commands(self.app)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
