"""Tables whose first column takes the width the others leave: nothing hides behind a
horizontal scrollbar, from 80 columns to a big screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import Column, RowKey

_T = TypeVar("_T")

SCROLLBAR = 1  # room kept for the vertical scrollbar (scrollbar-size-vertical: 1)


def flex_width(total: int, fixed: Sequence[int], padding: int = 1, minimum: int = 12) -> int:
    """Width of the flexible column when the others take ``fixed`` cells each."""
    used = sum(fixed) + 2 * padding * (len(fixed) + 1) + SCROLLBAR + 1
    return max(minimum, total - used)


class FittedTable(DataTable[Text | str]):
    """A row-cursor table; subclasses list ``(key, label, width)`` in ``COLUMN_SPECS`` (the
    first one flexes) and refill their rows in ``refill()``."""

    COLUMN_SPECS: Sequence[tuple[str, str, int]] = ()
    # While lines are rendered: the styles and columns DataTable would otherwise work out
    # again for every line (its own style walks up the DOM, its columns are sorted again for
    # every cell), none of which can change within one pass. (A class attribute: DataTable's
    # constructor reads the columns before ours runs.)
    _pass: dict[object, object] | None = None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._flex = 0

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass = {}
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _in_pass(self, key: object, make: Callable[[], _T]) -> _T:
        if self._pass is None:
            return make()
        if key not in self._pass:
            self._pass[key] = make()
        return self._pass[key]  # type: ignore[return-value]

    @property
    def rich_style(self) -> Style:
        return self._in_pass("rich_style", lambda: DataTable.rich_style.fget(self))  # type: ignore[attr-defined]

    @property
    def background_colors(self) -> tuple[Color, Color]:
        return self._in_pass("background_colors",
                             lambda: DataTable.background_colors.fget(self))  # type: ignore[attr-defined]

    @property
    def ordered_columns(self) -> list[Column]:
        return self._in_pass("ordered_columns",
                             lambda: DataTable.ordered_columns.fget(self))  # type: ignore[attr-defined]

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        kind = -1 if row_index == -1 else row_index % 2
        return self._in_pass(("row_style", kind, base_style),
                             lambda: super(FittedTable, self)._get_row_style(row_index, base_style))

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

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """The table's scrollable size once rows were added. DataTable measures every cell
        of every new row through Rich (markup parsed, a renderable made) for the widths of
        auto-width columns and the heights of auto-height rows: ~20 ms when a sort or a new
        list refills the table, on the idle pass between its frames. Here every column has
        its width set and every row is one line without a label, so no measure can change
        anything; when a column fits its cells or a new row is not such a row, the new rows
        are measured as DataTable does (it measures only those: the rows added before were
        looked at when they were new)."""
        new_rows = list(new_rows)
        if any(c.auto_width for c in self.columns.values()) or any(
                r.label is not None or r.height != 1 or r.auto_height
                for r in (self.rows.get(key) for key in new_rows) if r is not None):
            super()._update_dimensions(new_rows)
            return
        width = sum(c.get_render_width(self) for c in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width,
                                 self._total_row_height + header)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """One cell's line, as DataTable draws it (same cache, styles, padding, ellipsis and
        mouse metadata), made from the cell's text directly instead of through Rich's
        console (a padded, styled renderable, and markup parsed from every string): that
        was ~1 ms a row of the class table, the most of a key's frame when a sort or a new
        list redraws the whole table. Cells are one line of plain strings or Text here."""
        row_key = (self._header_row_key if row_index == -1
                   else self._row_locations.get_key(row_index))
        if row_key is None or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        column = self.ordered_columns[column_index]
        cache_key = (row_key, column.key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        lines: list[list[Segment]] | None = self._cell_render_cache.get(cache_key)
        if lines is not None:
            return lines
        cell = column.label if row_index == -1 else self._data[row_key].get(column.key)
        component, post = self._get_styles_to_render_cell(
            row_index == -1, False, False, hover, cursor, self.show_cursor,
            self._show_hover_cursor, self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css")
        pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) \
            + component
        text = cell if isinstance(cell, Text) else Text("" if cell is None else str(cell))
        inner = max(0, width - 2 * self.cell_padding)
        if text.cell_len > inner:
            text = text.copy()
            text.truncate(inner, overflow=text.overflow or "crop")
        blank = pre + post
        line = [Segment(" " * self.cell_padding, blank)] if self.cell_padding else []
        line.extend(Segment(seg.text, pre + seg.style + post if seg.style else blank)
                    for seg in text.render(self.app.console) if seg.text)
        rest = width - self.cell_padding - text.cell_len
        if rest > 0:
            line.append(Segment(" " * rest, blank))
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines


def row_key(event: DataTable.RowHighlighted | DataTable.RowSelected) -> str | None:
    """The key of the row an event is about, or None: a table emptied or refilled between
    the event and its handling sends events without a row."""
    key = getattr(event, "row_key", None)
    return None if key is None else key.value
