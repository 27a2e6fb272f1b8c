"""ClassSummaryTable: DevTools' Summary, one row per class (never one per object)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from leaktui.snapshot import ClassRow, HeapSnapshot
from leaktui.tui import formatting
from leaktui.tui.widgets._columns import FittedTable, row_key
from leaktui.units import format_size

MAX_CLASS_ROWS = 20_000  # more classes than this: refine the filter


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    sort_key: Callable[[ClassRow], object] | None  # None: not sortable


COLUMNS = (
    Column("name", "Class", 28, lambda r: (r.name.lower(), r.key)),
    Column("count", "Count", 9, lambda r: (-r.count, r.name)),
    Column("shallow", "Shallow", 8, lambda r: (-r.self_size, r.name)),
    Column("retained", "Retained", 8, lambda r: (-r.retained_size, r.name)),
    Column("pct", "%", 5, None),
    Column("distance", "Dist", 4,
           lambda r: (r.distance if r.has_distance else 1 << 40, r.name)),
)
SORTS = ("retained", "shallow", "count", "distance", "name")


def sorted_rows(rows: list[ClassRow], sort: str, needle: str = "") -> list[ClassRow]:
    """The rows the table shows: filtered by a case-insensitive substring, then sorted."""
    if needle:
        needle = needle.lower()
        rows = [r for r in rows if needle in r.name.lower()]
    column = next(c for c in COLUMNS if c.key == sort)
    assert column.sort_key is not None
    return sorted(rows, key=column.sort_key)[:MAX_CLASS_ROWS]  # type: ignore[arg-type]


class ClassSummaryTable(FittedTable):
    """Name, count, shallow and retained size, % of the heap and distance of every class;
    `s` (or a click on a header) changes the sort, the filter narrows it by name."""

    BORDER_TITLE = "Classes"
    COLUMN_SPECS = [(c.key, c.label, c.width) for c in COLUMNS]

    class ClassChosen(Message):
        """Enter on a class: list its objects."""

        def __init__(self, class_id: int) -> None:
            super().__init__()
            self.class_id = class_id

    class ClassHighlighted(Message):
        """The cursor rests on a class (after a move, a sort or a filter)."""

        def __init__(self, class_id: int) -> None:
            super().__init__()
            self.class_id = class_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.snap: HeapSnapshot | None = None
        self.filter_text = ""
        self.sort_key = "retained"
        self.rows_shown: list[ClassRow] = []

    def show(self, snap: HeapSnapshot) -> None:
        self.snap = snap
        self.refresh_rows()

    def set_filter(self, text: str) -> None:
        if text == self.filter_text:  # escape clears the filter, then its input says so
            return
        keep = self.current_class()
        self.filter_text = text
        self.refresh_rows(keep)

    def set_sort(self, sort: str) -> None:
        keep = self.current_class()
        self.sort_key = sort
        self.refresh_rows(keep)

    def action_cycle_sort(self) -> None:
        self.set_sort(SORTS[(SORTS.index(self.sort_key) + 1) % len(SORTS)])

    def refill(self) -> None:
        self.refresh_rows(self.current_class())

    def refresh_rows(self, keep_class: int | None = None) -> None:
        """Refill from the snapshot's summary; the cursor stays on ``keep_class`` if shown."""
        if self.snap is None:
            return
        self.rows_shown = sorted_rows(self.snap.summary(), self.sort_key, self.filter_text)
        total = max(self.snap.total_size, 1)
        self.clear()
        for column in COLUMNS:  # the sort is marked by an arrow, not only by colour
            label = column.label + (" ▼" if column.key == self.sort_key else "")
            self.columns[column.key].label = Text(label)  # type: ignore[index]
        for r in self.rows_shown:
            self.add_row(Text(r.name[:200], overflow="ellipsis", no_wrap=True), f"{r.count:,}",
                         format_size(r.self_size), format_size(r.retained_size),
                         f"{100 * r.retained_size / total:.1f}", formatting.distance(r.distance),
                         key=str(r.class_id))
        title = f"Classes {len(self.rows_shown):,}"
        if self.filter_text:
            title += f" matching {self.filter_text!r}"
        self.border_title = Text(title)  # Text: class names and filters are not markup
        self.border_subtitle = f"sort: {self.sort_key} (s)"
        row = next((i for i, r in enumerate(self.rows_shown) if r.class_id == keep_class), 0)
        if self.rows_shown:
            self.move_cursor(row=row, scroll=True)
            self.post_message(self.ClassHighlighted(self.rows_shown[row].class_id))

    def select_class(self, class_id: int) -> bool:
        """Move the cursor to ``class_id``; False if the filter hides it."""
        row = next((i for i, r in enumerate(self.rows_shown) if r.class_id == class_id), None)
        if row is None:
            return False
        self.move_cursor(row=row, scroll=True)
        return True

    def current_class(self) -> int | None:
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].class_id

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        # A refill sends several highlights in a row: report where the cursor is now.
        class_id = self.current_class()
        if class_id is not None:
            self.post_message(self.ClassHighlighted(class_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = row_key(event)
        if key is not None:
            self.post_message(self.ClassChosen(int(key)))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key in SORTS:
            self.set_sort(key)
