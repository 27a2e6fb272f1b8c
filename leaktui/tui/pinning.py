"""What the app's `p` (pin with a note) and `y` (copy as Markdown) do, kept out of app.py.

The functions take the running LeakApp and use its snapshots, the index shown, its suspects,
its pin store (`app.pins`) and its current object.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from leaktui.errors import LeakTuiError
from leaktui.pins import Pin, finding_markdown
from leaktui.snapshot.paths import path_text
from leaktui.units import format_size

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect
    from leaktui.tui.app import LeakApp

NOTE_MAX = 200  # a note is a line for a chat message, not an essay


class PinNoteScreen(ModalScreen[str | None]):
    """Asks for the pin's note; enter saves (an empty note is allowed), escape cancels."""

    DEFAULT_CSS = """
    PinNoteScreen { align: center middle; }
    PinNoteScreen > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: thick $accent; padding: 1 2; background: $surface;
    }
    PinNoteScreen Label { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]
    AUTO_FOCUS = "#pin-note"  # the app focuses nothing by itself

    def __init__(self, what: str, note: str = "") -> None:
        super().__init__()
        self.what, self.note = what, note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Pin {self.what} with a note (enter saves, esc cancels):"))
            yield Input(value=self.note, max_length=NOTE_MAX, id="pin-note",
                        placeholder="e.g. grows 2k entries/min, owned by checkout")

    @on(Input.Submitted, "#pin-note")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(" ".join(event.value.split()))

    def action_cancel(self) -> None:
        self.dismiss(None)


def suspect_for(app: LeakApp, node: int) -> Suspect | None:
    """The suspect whose holder is ``node`` (suspects live in the last snapshot)."""
    if not app.snaps or app.current != len(app.snaps) - 1:
        return None
    return next((s for s in app.suspects if s.holder == node), None)


def make_pin(snap: HeapSnapshot, node: int, note: str,
             suspect: Suspect | None = None) -> Pin:
    return Pin(node_id=int(snap.node_id[node]), class_name=snap.class_name(node), note=note,
               retained_size=int(snap.retained_size[node]), path=snap.path_names(node),
               path_text=path_text(snap, node),
               created=time.time(), kind="suspect" if suspect is not None else "object",
               pattern=suspect.pattern if suspect is not None else None,
               advice=suspect.advice if suspect is not None else None)


def refresh_findings(app: LeakApp) -> None:
    from leaktui.tui.findings import FindingsView

    if app.pins is None or not app.snaps:
        return
    for view in app.query(FindingsView):
        view.show(app.pins, app.snaps[-1], app.suspects)


def pin_current(app: LeakApp) -> None:
    """`p`: ask for a note, then pin the current object (as a suspect when it holds one)."""
    node = app.current_object()
    if node is None or not app.snaps or app.pins is None:
        app.notify("No current object to pin: pick a class and an instance, or press g.")
        return
    if app.current != len(app.snaps) - 1:
        app.notify("Pins belong to the last snapshot of the series: press ] to go there.")
        return
    snap, store = app.snaps[app.current], app.pins
    old = store.find(int(snap.node_id[node]))
    what = f"{snap.class_name(node)} @{int(snap.node_id[node])}"

    def done(note: str | None) -> None:
        if note is None:
            return
        before = len(store.messages)
        try:
            pin = store.add(make_pin(snap, node, note, suspect_for(app, node)))
        except LeakTuiError as exc:
            app.notify(str(exc), severity="error", timeout=12)
            return
        for message in store.messages[before:]:  # e.g. saved in the fallback place
            app.notify(message, severity="warning", timeout=12)
        refresh_findings(app)
        kind = f"{pin.pattern} suspect" if pin.kind == "suspect" else "object"
        app.notify(f"Pinned {what} ({kind}, {format_size(pin.retained_size)}) in "
                   f"{store.file}; view 6 lists findings")

    app.push_screen(PinNoteScreen(what, old.note if old is not None else ""), done)


def copy_current(app: LeakApp) -> str | None:
    """`y`: copy the current object as a chat-sized Markdown finding (OSC 52: works over SSH
    and in tmux with set-clipboard on). Returns the text copied."""
    node = app.current_object()
    if node is None or not app.snaps:
        app.notify("No current object to copy.")
        return None
    snap = app.snaps[app.current]
    pin = app.pins.find(int(snap.node_id[node])) if app.pins is not None else None
    same_file = app.current == len(app.snaps) - 1
    text = finding_markdown(snap, node, note=pin.note if pin and same_file else None,
                            suspect=suspect_for(app, node))
    app.copy_to_clipboard(text)
    lines = text.count("\n") + 1
    app.notify(f"Copied {snap.class_name(node)} @{int(snap.node_id[node])} as Markdown "
               f"({lines} lines, through the terminal: OSC 52): paste it into the channel.")
    return text
