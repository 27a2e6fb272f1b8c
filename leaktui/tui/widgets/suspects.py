"""SuspectsView (view 3): leak suspects ranked, with evidence and a fix; enter opens the
holder in the investigation view. Severity is spelled out, never only coloured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from leaktui.pins import finding_markdown
from leaktui.tui import messages
from leaktui.tui.view import LeakView, Loaded
from leaktui.tui.widgets._columns import row_key
from leaktui.units import format_size

if TYPE_CHECKING:
    from leaktui.snapshot import HeapSnapshot
    from leaktui.suspects import Suspect

SEVERITY = {"high": "!!! HIGH", "medium": "!!  MED", "low": "!   low"}
NONE_FOUND = ("No leak suspects found. With a series of snapshots of one process (oldest "
              "first) leaktui also looks at what grows between them.")


class SuspectsTable(DataTable[Text | str]):
    BORDER_TITLE = "Leak suspects"

    class SuspectChosen(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        for label in ("Severity", "Pattern", "Suspect"):
            self.add_column(label, key=label)

    def show(self, suspects: list[Suspect]) -> None:
        self.clear()
        for i, s in enumerate(suspects):
            self.add_row(Text(SEVERITY.get(s.severity, s.severity),
                              style="bold" if s.severity == "high" else ""),
                         s.pattern, Text(s.title[:160]), key=str(i))
        self.border_title = f"Leak suspects ({len(suspects)})"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = row_key(event)
        if key is not None:
            self.post_message(self.SuspectChosen(int(key)))


def suspect_details(s: Suspect) -> Text:
    t = Text()
    t.append(f"[{s.severity.upper()}] {s.pattern}\n", style="bold")
    t.append(s.title + "\n\n")
    t.append(f"holder: {s.holder_class} @{s.holder_id} via {s.holder_path_text or '-'}\n")
    counts = " -> ".join(f"{c:,}" for c in s.item_counts)
    t.append(f"items: {s.item_count:,} {s.item_class} (per snapshot {counts})\n")
    also = (" (also reached by suspect " + ", ".join(f"#{i + 1}" for i in s.shared_with) + ")"
            if s.shared_with else "")
    t.append(f"size: {format_size(float(s.grown_size))} reachable from its items{also}; "
             f"{format_size(float(s.retained_size))} retained by the holder alone\n")
    for r in s.retains[:5]:
        t.append(f"  keeps {r['count']:,} {r['class']} "
                 f"({format_size(float(r['retained_size']))})\n")  # type: ignore[arg-type]
    for ev in s.evidence:
        t.append(f"• {ev}\n")
    t.append("\nfix: ", style="bold")
    t.append(s.advice + "\n")
    return t


class SuspectsView(Vertical, LeakView):
    BINDINGS = [
        Binding("y", "copy", "copy",
                tooltip="copy the highlighted suspect as Markdown: its holder's path from a "
                        "root, sizes and fix (OSC 52, works over SSH)"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.suspects: list[Suspect] = []
        self.last = 0
        self.snap: HeapSnapshot | None = None  # the last snapshot: the suspects live in it

    def compose(self) -> ComposeResult:
        yield SuspectsTable(id="suspects-table")
        with VerticalScroll(id="suspect-detail-box"):
            yield Static("Looking for leak suspects once the snapshots are loaded…",
                         id="suspect-detail")

    def snapshots_loaded(self, loaded: Loaded) -> None:
        self.suspects, self.last = loaded.suspects, loaded.last
        self.snap = loaded.full(loaded.last) if loaded.snaps else None
        self.query_one(SuspectsTable).show(self.suspects)
        self.show_detail(0)

    def show_detail(self, index: int) -> None:
        detail = self.query_one("#suspect-detail", Static)
        if not self.suspects:
            detail.update(NONE_FOUND)
        elif 0 <= index < len(self.suspects):
            detail.update(suspect_details(self.suspects[index]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        key = row_key(event)
        if key is not None:
            self.show_detail(int(key))

    def highlighted(self) -> int | None:
        """The index of the suspect under the table's cursor."""
        table = self.query_one(SuspectsTable)
        if not self.suspects or not 0 <= table.cursor_row < len(self.suspects):
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return int(key) if key is not None else None

    def finding_text(self, index: int) -> str | None:
        """Suspect ``index`` as the chat-sized Markdown `y` copies elsewhere (with the pin's
        note when its holder is pinned)."""
        if self.snap is None:
            return None
        suspect = self.suspects[index]
        pins = self.session.pins if self.session is not None else None
        pin = pins.find(suspect.holder_id) if pins is not None else None
        return finding_markdown(self.snap, suspect.holder, note=pin.note if pin else None,
                                suspect=suspect)

    def action_copy(self) -> None:
        index = self.highlighted()
        text = self.finding_text(index) if index is not None else None
        if index is None or text is None:
            self.notify("No suspect to copy.")
            return
        self.app.copy_to_clipboard(text)
        s = self.suspects[index]
        self.notify(f"Copied suspect {index + 1} ({s.holder_class} @{s.holder_id}) as "
                    "Markdown (OSC 52).")

    def on_suspects_table_suspect_chosen(self, event: SuspectsTable.SuspectChosen) -> None:
        event.stop()
        self.post_message(messages.OpenSuspect(event.index))
