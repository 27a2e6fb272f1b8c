"""Screens compared with stored SVGs on a deterministic hand-made snapshot, at 80x24 (one pane
at a time) and 120x40: the investigation view, the object pane in the narrow layout and the
help; and at 80x24 the growth, suspects and findings views on the sample series. Update with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at them."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input
from tui_support import RULES, SERIES, cached_loader, wait_loaded, wait_until

from leaktui.pins import PinStore
from leaktui.tui.app import LeakApp

SIZES = [(80, 24), (120, 40)]


def settle(*keys: str, view: str = "1"):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_loaded(app, pilot)
        await app.workers.wait_for_complete()
        app.session.load_seconds = 0.0  # the one number that changes from run to run
        app.main.update_header()
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.press(view, *keys)
        if view == "2":
            growth = app.query_one("#growth")
            await wait_until(pilot, lambda: growth.ready, what="the comparison")
        await app.workers.wait_for_complete()
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_investigation_view(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = LeakApp([RULES], loader=cached_loader)
    assert snap_compare(app, terminal_size=size, run_before=settle("down", "down", "enter"))


def test_object_pane_in_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = LeakApp([RULES], loader=cached_loader)
    assert snap_compare(app, terminal_size=(80, 24),
                        run_before=settle("down", "down", "enter", "enter", "tab"))


def test_help_in_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = LeakApp([RULES], loader=cached_loader)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle("question_mark"))


@pytest.mark.parametrize("view", ["2", "3", "6"], ids=["growth", "suspects", "findings"])
def test_views_in_80x24(snap_compare, view: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The series' growth, its suspects and (no pins: a store of the test's own) findings."""
    app = LeakApp(SERIES, loader=cached_loader,
                  pins=lambda path: PinStore(str(tmp_path / "series.heapsnapshot")))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle(view=view))
