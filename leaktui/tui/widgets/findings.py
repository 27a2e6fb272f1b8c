"""FindingsView (view 6): the pinned findings of the snapshot, the highlighted one in full.

enter opens the object (the view posts the request `messages.OpenPin`), y copies the
highlighted finding as Markdown, d unpins it (u puts it back). Pins made on another file
(different header counts) are marked, since their ids may name other objects here.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from leaktui.errors import LeakTuiError
from leaktui.pins import Pin, PinStore, finding_markdown, pins_markdown
from leaktui.tui.messages import OpenPin
from leaktui.tui.view import LeakView, Loaded
from leaktui.units import format_size

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect

EMPTY_HINT = ("No pinned findings yet. On an object (view 1) or a suspect (view 3, enter), "
              "press p and write a short note: pins are saved next to the snapshot, so a "
              "colleague who opens the same file sees them.")


class FindingsView(Vertical, LeakView):
    """Pins listed newest last; the detail pane shows the highlighted pin in full. The pins
    are given to `show_pins` (the main screen gives the session's store)."""

    DEFAULT_CSS = """
    FindingsView #findings-table { height: 1fr; }
    FindingsView #finding-detail-box { height: auto; max-height: 45%; }
    FindingsView #finding-detail { padding: 0 1; }
    """
    BINDINGS = [
        Binding("y", "copy", "copy finding"),
        Binding("d", "remove", "unpin"),
        Binding("u", "undo", "undo unpin", show=False),
    ]

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.store: PinStore | None = None
        self.snap: HeapSnapshot | None = None
        self.suspects: list[Suspect] = []
        self.removed: Pin | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(cursor_type="row", zebra_stripes=True,
                                                 id="findings-table")
        table.border_title = "Findings"
        yield table
        with VerticalScroll(id="finding-detail-box"):
            yield Static(EMPTY_HINT, id="finding-detail")

    def on_mount(self) -> None:
        table = self.table
        for label, width in (("Kind", 8), ("Object", 24), ("Retained", 9), ("Path", 36),
                             ("Note", 40)):
            table.add_column(label, key=label, width=width)

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#findings-table", DataTable)

    def focus_table(self) -> None:
        """Focus at once (not after the current message), so keys typed ahead reach it."""
        self.screen.set_focus(self.table)

    # ------------------------------------------------------------------ LeakView hooks
    def snapshots_loaded(self, loaded: Loaded) -> None:
        self.snap, self.suspects = loaded.full(loaded.last), list(loaded.suspects)

    def view_shown(self) -> None:
        """Shown again: read the pins file anew, so pins a colleague saved meanwhile (on the
        same file, or through `leaktui serve`) appear."""
        if self.store is not None:
            self.store.load()
            self.show(self.store, self.snap, self.suspects)
        self.focus_table()

    def pins_changed(self) -> None:
        if self.session is not None and self.session.pins is not None:
            self.show_pins(self.session.pins)

    def show_pins(self, pins: PinStore) -> None:
        """List ``pins`` (the session's store, after loading and after each pin)."""
        self.show(pins, self.snap, self.suspects)

    # ------------------------------------------------------------------ content
    def show(self, store: PinStore, snap: HeapSnapshot | None = None,
             suspects: list[Suspect] | None = None) -> None:
        """List the store's pins; `snap` (the snapshot the pins belong to) lets y copy the
        full finding."""
        self.store, self.snap = store, snap
        self.suspects = suspects or []
        table = self.table
        keep = table.cursor_row
        table.clear()
        for pin in store.pins:
            stale = not pin.made_on(store.fingerprint)
            kind = Text("suspect", style="bold") if pin.kind == "suspect" else Text("object")
            if stale:
                kind = Text("other?", style="italic")
            table.add_row(kind, Text(f"{pin.class_name} @{pin.node_id}"),
                          format_size(pin.retained_size), Text(pin.shown_path()),
                          Text(pin.note or "-"), key=str(pin.node_id))
        table.border_title = f"Findings ({len(store.pins)})"
        if store.pins:
            table.move_cursor(row=min(max(keep, 0), len(store.pins) - 1))
        self._show_detail(self.current_pin())

    def current_pin(self) -> Pin | None:
        if self.store is None or not self.store.pins:
            return None
        row = self.table.cursor_row
        if not 0 <= row < len(self.store.pins):
            return None
        key = self.table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return self.store.find(int(key)) if key is not None else None

    def _show_detail(self, pin: Pin | None) -> None:
        detail = self.query_one("#finding-detail", Static)
        if pin is None:
            detail.update(EMPTY_HINT)
            return
        t = Text()
        t.append(f"{pin.class_name} @{pin.node_id}", style="bold")
        t.append(f"  retains {format_size(pin.retained_size)}")
        if pin.kind == "suspect" and pin.pattern:
            t.append(f"  suspect: {pin.pattern}", style="bold")
        t.append("\n" + pin.shown_path() + "\n")
        if pin.note:
            t.append(f"note: {pin.note}\n")
        if pin.advice:
            t.append("fix: ", style="bold")
            t.append(pin.advice + "\n")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(pin.created))
        t.append(f"pinned {when}", style="dim")
        if self.store is not None and not pin.made_on(self.store.fingerprint):
            t.append(f"\nmade on another snapshot ({pin.node_count:,} nodes): @{pin.node_id} "
                     "may be a different object here", style="italic")
        t.append("\nenter: open   y: copy as Markdown   d: unpin", style="dim")
        detail.update(t)

    # ------------------------------------------------------------------ events and keys
    @on(DataTable.RowHighlighted, "#findings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(self.current_pin())

    @on(DataTable.RowSelected, "#findings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        pin = self.current_pin()
        if pin is None or self.store is None:
            return
        if not pin.made_on(self.store.fingerprint):
            self.notify(f"@{pin.node_id} was pinned on another snapshot: it may be a different "
                        "object here.", severity="warning")
        self.post_message(OpenPin(pin.node_id))

    def finding_text(self, pin: Pin) -> str:
        """The pin as Markdown: the full finding when its object is in the snapshot shown,
        else the one-line summary the report uses."""
        snap = self.snap
        stale = self.store is not None and not pin.made_on(self.store.fingerprint)
        node = snap.ordinal_of_id(pin.node_id) if snap is not None and not stale else None
        if snap is None or node is None:
            return pins_markdown([pin])
        suspect = next((s for s in self.suspects if s.holder == node), None)
        if suspect is None and pin.pattern:
            suspect_info: dict[str, str | None] | Suspect | None = {
                "pattern": pin.pattern, "advice": pin.advice}
        else:
            suspect_info = suspect
        return finding_markdown(snap, node, note=pin.note, suspect=suspect_info)

    def action_copy(self) -> None:
        pin = self.current_pin()
        if pin is None:
            self.notify("No finding to copy: pin one with p first.")
            return
        self.app.copy_to_clipboard(self.finding_text(pin))
        self.notify(f"Copied {pin.class_name} @{pin.node_id} as Markdown (OSC 52).")

    def action_remove(self) -> None:
        pin = self.current_pin()
        if pin is None or self.store is None:
            return
        try:
            self.store.remove(pin.node_id)
        except LeakTuiError as exc:
            self.notify(str(exc), severity="error", timeout=12)
            return
        self.removed = pin
        self.show(self.store, self.snap, self.suspects)
        self.notify(f"Unpinned {pin.class_name} @{pin.node_id} (u puts it back).")

    def action_undo(self) -> None:
        if self.removed is None or self.store is None:
            return
        try:
            self.store.add(self.removed)
        except LeakTuiError as exc:
            self.notify(str(exc), severity="error", timeout=12)
            return
        self.notify(f"Pinned {self.removed.class_name} @{self.removed.node_id} again.")
        self.removed = None
        self.show(self.store, self.snap, self.suspects)
