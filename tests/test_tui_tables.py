"""The class and instance tables draw their cells without Rich's console (`FittedTable`):
the same characters, styles and mouse metadata as DataTable's own drawing."""

from __future__ import annotations

import pytest
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


async def test_a_tree_keeps_its_drawn_lines_when_only_its_height_changes() -> None:
    from textual.app import App, ComposeResult

    from leaktui.tui.widgets._trees import SteadyTree

    class One(App[None]):
        def compose(self) -> ComposeResult:
            tree: SteadyTree[int] = SteadyTree("root")
            for i in range(50):
                tree.root.add_leaf(f"leaf {i}", data=i)
            tree.root.expand()
            yield tree

    app = One()
    async with app.run_test(size=(60, 20)) as pilot:
        tree = app.query_one(SteadyTree)
        await pilot.pause()
        drawn = tree._updates
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        assert tree._updates == drawn and tree.size.height == 30  # the same lines, taller
        assert "leaf 25" in "".join(s.text for s in tree.render_line(26))
        await pilot.resize_terminal(40, 30)
        await pilot.pause()
        assert tree._updates > drawn  # a new width: drawn again
        tree.root.add_leaf("one more")
        await pilot.pause()
        assert tree.last_line == 51  # a change of the tree itself is never held back


async def test_fitted_tables_take_the_size_datatable_measures_without_measuring_a_cell(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import textual.widgets._data_table as data_table

    app = LeakApp([RULES])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "enter")
        await pilot.pause(0.2)
        measured: list[object] = []
        real_measure = data_table.measure
        monkeypatch.setattr(data_table, "measure",
                            lambda *a, **k: measured.append(a) or real_measure(*a, **k))
        for table in (app.query_one(ClassSummaryTable), app.query_one(InstanceTable)):
            assert table.row_count
            table.add_row(Text("x" * 300, overflow="ellipsis"), "[b]1[/b]",
                          *[""] * (len(table.columns) - 2), key="probe")
            await pilot.pause()
            assert not measured  # the rows added, the table's size set
            ours = table.virtual_size
            widths = [c.get_render_width(table) for c in table.ordered_columns]
            DataTable._update_dimensions(table, list(table.rows))  # measures every cell
            assert measured and table.virtual_size == ours
            assert [c.get_render_width(table) for c in table.ordered_columns] == widths
            measured.clear()
        # A table with a column that fits its cells is measured as DataTable does.
        table = app.query_one(ClassSummaryTable)
        next(iter(table.columns.values())).auto_width = True
        table.add_row("y", "1", *[""] * (len(table.columns) - 2), key="probe-2")
        await pilot.pause()
        assert measured
