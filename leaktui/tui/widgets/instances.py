"""InstanceTable: the objects of one class (or any list of objects), largest retained first,
200 rows at a time. Only the rows shown are ever sorted or built, so a class with millions of
objects opens at once."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from leaktui.snapshot import HeapSnapshot
from leaktui.tui import formatting
from leaktui.tui.widgets._columns import FittedTable, row_key
from leaktui.units import format_size

PAGE = 200
AHEAD_PAGES = 10  # pages sorted at once when the list grows
MORE = "more"


class InstanceTable(FittedTable):
    BORDER_TITLE = "Instances"
    COLUMN_SPECS = [("object", "Object", 28), ("shallow", "Shallow", 8),
                    ("retained", "Retained", 8), ("distance", "Dist", 4)]

    class ObjectChosen(Message):
        """Enter on an object: make it the current one."""

        def __init__(self, node: int) -> None:
            super().__init__()
            self.node = node

    class ObjectHighlighted(Message):
        """The user moved onto an object (a preview, not a history entry)."""

        def __init__(self, node: int) -> None:
            super().__init__()
            self.node = node

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.snap: HeapSnapshot | None = None
        self.members = np.zeros(0, dtype=np.int64)  # every object of the list, any order
        self.nodes = np.zeros(0, dtype=np.int64)  # the sorted prefix computed so far
        self.shown = 0  # rows built
        self.title = ""

    def show(self, snap: HeapSnapshot, members: np.ndarray, title: str,
             first_page: np.ndarray | None = None) -> None:
        """List ``members`` (ordinals in any order). ``first_page``: their first rows in
        DevTools' order if already known (the core caches them per class)."""
        self.snap = snap
        self.members = members
        self.nodes = first_page if first_page is not None else snap.largest(members, PAGE)
        self.shown = 0
        self.title = title
        self.clear()
        self.border_title = Text(f"{title} ({len(members):,})")
        self.add_page()

    def refill(self) -> None:
        shown, self.shown = self.shown, 0
        self._add_rows(min(max(shown, PAGE), len(self.members)))

    def add_page(self) -> None:
        """Build the next ``PAGE`` rows; an "N more" row at the end when some are left."""
        self._add_rows(min(self.shown + PAGE, len(self.members)))

    def _add_rows(self, wanted: int) -> None:
        snap = self.snap
        if snap is None:
            return
        if MORE in self.rows:
            self.remove_row(MORE)
        if len(self.nodes) < wanted:
            # One partition of the members costs the same for 400 rows as for 2,000: sort
            # ahead, so the next few pages cost nothing.
            ahead = max(wanted, 2 * len(self.nodes), PAGE * AHEAD_PAGES)
            self.nodes = snap.largest(self.members, min(ahead, len(self.members)))
        for o in self.nodes[self.shown:wanted].tolist():
            self.add_row(formatting.fitted_label(snap, o, self._flex),
                         format_size(int(snap.self_size[o])),
                         format_size(int(snap.retained_size[o])),
                         formatting.distance(int(snap.distance[o])), key=str(o))
        self.shown = wanted
        rest = len(self.members) - self.shown
        if rest > 0:
            self.add_row(Text(f"… {rest:,} more (enter)", style="italic"), "", "", "", key=MORE)

    def current_node(self) -> int | None:
        if not 0 <= self.cursor_row < self.shown:
            return None
        return int(self.nodes[self.cursor_row])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        node = self.current_node()
        if node is not None and self.has_focus:  # refills by the program do not preview
            self.post_message(self.ObjectHighlighted(node))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = row_key(event)
        if key == MORE:
            row = self.cursor_row
            self.add_page()
            self.move_cursor(row=row)
        elif key is not None:
            self.post_message(self.ObjectChosen(int(key)))
