"""The class and instance tables draw their cells without Rich's console (`FittedTable`):
the same characters, styles and mouse metadata as DataTable's own drawing."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from tui_support import RULES, wait_loaded

from leaktui.tui.app import LeakApp
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable
from leaktui.tui.widgets._columns import FittedTable


def cells(lines: list[list[Segment]]) -> list[tuple[str, Style | None]]:
    """Each character with its style (segments may be cut differently and mean the same)."""
    return [(ch, seg.style) for line in lines for seg in line for ch in seg.text]


async def test_fitted_tables_draw_every_cell_as_datatable_does() -> None:
    app = LeakApp([RULES])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "enter")
        await pilot.pause(0.2)
        for table in (app.query_one(ClassSummaryTable), app.query_one(InstanceTable)):
            assert isinstance(table, FittedTable) and table.row_count
            # A long name cut with an ellipsis, and a string that looks like markup.
            table.add_row(Text("x" * 300, overflow="ellipsis"), "[b]1[/b]",
                          *[""] * (len(table.columns) - 2), key="probe")
            base = table.rich_style
            checked = 0
            for row in range(-1, table.row_count):
                values = table.get_row_at(row) if row >= 0 else [None] * len(table.columns)
                for column, spec in enumerate(table.ordered_columns):
                    for cursor, hover in ((False, False), (True, False), (False, True)):
                        width = spec.get_render_width(table)
                        table._cell_render_cache.clear()
                        ours = table._render_cell(row, column, base, width, cursor, hover)
                        table._cell_render_cache.clear()
                        theirs = DataTable._render_cell(table, row, column, base, width, cursor,
                                                        hover)
                        if values[column] == "[b]1[/b]":
                            # DataTable reads markup in plain strings; these tables never
                            # mean any: the text is shown as it is.
                            assert "".join(c for c, _ in cells(ours)).strip() == "[b]1[/b]"
                            continue
                        assert cells(ours) == cells(theirs), (row, column, cursor, hover)
                        checked += 1
            assert checked > 20
