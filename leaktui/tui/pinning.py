"""Pinning from the TUI: the dialog that asks for the note, and the pin made from an object
of a snapshot (the main screen's `p` uses both)."""

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

from leaktui.pins import Pin
from leaktui.snapshot.paths import path_text
from leaktui.tui.frames import draw_when_ready

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect

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

    def on_mount(self) -> None:
        draw_when_ready(self)

    @on(Input.Submitted, "#pin-note")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(" ".join(event.value.split()))

    def action_cancel(self) -> None:
        self.dismiss(None)


def make_pin(snap: HeapSnapshot, node: int, note: str,
             suspect: Suspect | None = None) -> Pin:
    return Pin(node_id=int(snap.node_id[node]), class_name=snap.class_name(node), note=note,
               retained_size=int(snap.retained_size[node]), path=snap.path_names(node),
               path_text=path_text(snap, node),
               created=time.time(), kind="suspect" if suspect is not None else "object",
               pattern=suspect.pattern if suspect is not None else None,
               advice=suspect.advice if suspect is not None else None)
