"""Tables whose first column takes the width the others leave: nothing hides behind a
horizontal scrollbar, from 80 columns to a big screen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

SCROLLBAR = 1  # room kept for the vertical scrollbar (scrollbar-size-vertical: 1)


def flex_width(total: int, fixed: Sequence[int], padding: int = 1, minimum: int = 12) -> int:
    """Width of the flexible column when the others take ``fixed`` cells each."""
    used = sum(fixed) + 2 * padding * (len(fixed) + 1) + SCROLLBAR + 1
    return max(minimum, total - used)


class FittedTable(DataTable[Text | str]):
    """A row-cursor table; subclasses list ``(key, label, width)`` in ``COLUMN_SPECS`` (the
    first one flexes) and refill their rows in ``refill()``."""

    COLUMN_SPECS: Sequence[tuple[str, str, int]] = ()

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._flex = 0

    def on_mount(self) -> None:
        self._add_columns(self.COLUMN_SPECS[0][2])

    def _add_columns(self, flex: int) -> None:
        self._flex = flex
        for i, (key, label, width) in enumerate(self.COLUMN_SPECS):
            self.add_column(label, key=key, width=flex if i == 0 else width)

    def on_resize(self, event: events.Resize) -> None:
        flex = flex_width(event.size.width, [w for _, _, w in self.COLUMN_SPECS[1:]],
                          self.cell_padding)
        if flex != self._flex:
            row = self.cursor_row
            self.clear(columns=True)
            self._add_columns(flex)
            self.refill()
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), scroll=True)

    def refill(self) -> None:
        """Add the rows again (after the columns were rebuilt)."""


def row_key(event: DataTable.RowHighlighted | DataTable.RowSelected) -> str | None:
    """The key of the row an event is about, or None: a table emptied or refilled between
    the event and its handling sends events without a row."""
    key = getattr(event, "row_key", None)
    return None if key is None else key.value
