"""Screens compared with stored SVGs on a deterministic hand-made snapshot, at 80x24 (one pane
at a time) and 120x40: the investigation view, the object pane in the narrow layout and the
help. Update with `pytest tests/test_tui_snapshots.py --snapshot-update` and look at them."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tui_support import RULES, cached_loader, wait_loaded

from leaktui.tui.app import LeakApp

SIZES = [(80, 24), (120, 40)]


def settle(*keys: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_loaded(app, pilot)
        await app.workers.wait_for_complete()
        app.load_seconds = 0.0  # the one number that changes from run to run
        app.update_header()
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.press("1", *keys)
        await pilot.pause(0.1)
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
