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
    """The palette's commands: the app's own, then the main screen's and the session's."""
    main, session = app.main, app.session
    out: list[Command] = [
        (f"View: {spec.title}", partial(main.action_view, spec.id), f"key {spec.key}")
        for spec in app.view_specs
    ]
    if main.has_view("investigate"):
        out += [
            ("Filter classes by name", partial(main.action_in_investigation, "filter"),
             "key /"),
            ("Path of the current object to a GC root",
             partial(main.action_in_investigation, "retainers"), "key r"),
        ]
    out += [
        ("Go to object @id", main.action_goto, "key g"),
        ("Search the heap: class, name, string value or property name",
         main.action_search_heap, "key F"),
        ("Copy the current object's path from a root", main.action_copy_path, "key y"),
        ("Pin the current object with a note", main.action_pin, "key p"),
        ("Save an SVG screenshot", app.action_save_svg, "ctrl+s"),
        ("Help: keys and views", app.action_help, "key ?"),
    ]
    for i, snap in enumerate(session.snaps):
        if i != session.current:
            out.append((f"Snapshot {i + 1}: {snap.path}",
                        partial(main.action_snapshot, i - session.current), "[ and ]"))
    for i, s in enumerate(session.suspects[:20]):
        out.append((f"Suspect: [{s.severity}] {s.title[:90]}",
                    partial(main.open_suspect, i), s.pattern))
    if session.pins is not None:
        for pin in session.pins.pins[:20]:
            out.append((f"Finding: {pin.class_name} @{pin.node_id} {pin.note[:60]}",
                        partial(main.open_object_id, pin.node_id, session.loaded.last),
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
