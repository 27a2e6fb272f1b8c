"""FindingsView (view 6): objects pinned with a note (key p), saved beside the snapshot so
whoever opens it next sees them; enter opens one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from leaktui.pins import Pin
from leaktui.tui import messages, model
from leaktui.tui.views import LeakView

HINT = ("p pins the current object with a note; pins are saved next to the snapshot, so "
        "whoever opens it sees them. enter opens one.")


class FindingsTable(DataTable[Text | str]):
    BORDER_TITLE = "Findings"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for label, width in (("Object", 26), ("Retained", 9), ("Note", 50)):
            self.add_column(label, key=label, width=width)

    def show(self, pins: list[Pin]) -> None:
        self.clear()
        for p in pins:
            self.add_row(f"{p.class_name} @{p.node_id}", model.size(p.retained_size),
                         Text(p.note or "-"), key=str(p.node_id))
        self.border_title = f"Findings ({len(pins)})"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(messages.PinChosen(int(event.row_key.value)))


class FindingsView(Vertical, LeakView):
    def compose(self) -> ComposeResult:
        yield FindingsTable(id="findings-table")
        yield Static(HINT, id="findings-hint")

    def show_pins(self, pins: list[Pin]) -> None:
        self.query_one(FindingsTable).show(pins)
