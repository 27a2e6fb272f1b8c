"""The view switcher on a real three-snapshot series: suspects first when one is high, the
growth view lists new objects, moving between snapshots keeps the object, statistics, the
messages shown when a view has nothing to work with, and a view plugged in from outside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from tui_support import RULES, SERIES, cached_loader, wait_loaded, wait_until

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.lean import LeanSnapshot
from leaktui.tui.app import LeakApp
from leaktui.tui.commands import leak_commands
from leaktui.tui.memory import MemoryPanel
from leaktui.tui.views import DEFAULT_VIEWS, LeakView, Loaded, ViewSpec
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable, RetainerTree
from leaktui.tui.widgets.growth import GrowthView


async def test_suspects_view_comes_first_when_a_leak_is_high_and_enter_opens_the_holder() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert app.active_view == "suspects"
        await pilot.press("enter")
        holder = app.current_object()
        assert holder is not None and app.snap.class_name(holder) == "Map"
        assert app.active_view == "investigate" and app.focused is app.query_one(RetainerTree)
        assert app.current == len(SERIES) - 1


async def test_growth_view_lists_the_new_objects_of_a_class() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("2")
        growth = app.query_one(GrowthView)
        await wait_until(pilot, lambda: growth.ready)
        table = growth.query_one("#growth-table")
        keys = [r.key for r in table.diff_rows]  # type: ignore[attr-defined]
        row = next(r for r in table.diff_rows if r.name == "UserProfile")  # type: ignore[attr-defined]
        assert row.delta > 0
        table.move_cursor(row=keys.index(row.key))  # type: ignore[attr-defined]
        await pilot.press("enter")
        instances = app.query_one(InstanceTable)
        assert app.active_view == "investigate" and app.focused is instances
        assert str(instances.border_title) == f"new UserProfile ({row.new:,})"
        assert len(instances.members) == row.new
        await pilot.press("2", "b")  # base: snapshot 2
        await wait_until(pilot, lambda: growth.ready)
        assert "Comparison snapshot 2 -> 3" in str(table.border_title)


async def test_brackets_move_between_snapshots_and_keep_the_object_by_id() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n")  # the top suspect's holder, in the last snapshot
        holder_id = int(app.snap.node_id[app.current_object()])  # type: ignore[index]
        header = app.query_one("#header", Static)
        assert "[3/3]" in str(header.render())
        await pilot.press("left_square_bracket")  # kept lean: read in full by a worker first
        await wait_until(pilot, lambda: app.current == 1, what="snapshot 2 read in full")
        assert "[2/3]" in str(header.render())
        assert int(app.snap.node_id[app.current_object()]) == holder_id  # type: ignore[index]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(pilot, lambda: app.current == 0, what="snapshot 1 read in full")


async def test_an_older_snapshot_kept_lean_is_read_in_full_with_its_classes_and_instances(
) -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert [type(s) for s in app.snaps] == [LeanSnapshot, LeanSnapshot, HeapSnapshot]
        await pilot.press("1", "left_square_bracket")
        await wait_until(pilot, lambda: app.current == 1, what="snapshot 2 read in full")
        older = app.snaps[1]
        assert isinstance(older, HeapSnapshot) and older.path == SERIES[1]
        classes, instances = app.query_one(ClassSummaryTable), app.query_one(InstanceTable)
        await wait_until(pilot, lambda: classes.snap is older and instances.snap is older
                         and len(instances.members) > 0, what="snapshot 2's classes")
        shown = {r.name for r in classes.rows_shown}
        assert shown and shown <= {r.name for r in older.summary()}
        assert len(set(older.class_id[instances.members].tolist())) == 1  # one class's objects
        await pilot.press("left_square_bracket")  # snapshot 1 in full; 2 goes back to lean
        await wait_until(pilot, lambda: app.current == 0, what="snapshot 1 read in full")
        assert [type(s) for s in app.snaps] == [HeapSnapshot, LeanSnapshot, HeapSnapshot]
        await wait_until(pilot, lambda: classes.snap is app.snaps[0], what="snapshot 1 shown")


async def test_statistics_view_draws_bars_with_sizes_and_shares() -> None:
    app = LeakApp(SERIES[-1:], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("5")
        text = str(app.query_one("#stats").render())
        for label in ("Code", "Strings", "JS arrays", "Typed arrays", "System objects"):
            assert label in text
        assert "█" in text and "%" in text


async def test_views_without_what_they_need_say_so() -> None:
    app = LeakApp(SERIES[-1:], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("2")
        assert "two or more snapshots" in str(app.query_one("#growth-notes").render())
        await pilot.press("4")
        assert "--metrics FILE" in str(app.query_one("#memory-text").render())
        await pilot.press("right_square_bracket")
        assert any("load two or more" in str(n.message) for n in app.notices)


class EchoView(Vertical, LeakView):
    """A view from outside: says how many snapshots it was given."""

    def compose(self) -> ComposeResult:
        yield Static("nothing yet", id="echo-text")

    def snapshots_loaded(self, loaded: Loaded) -> None:
        self.query_one("#echo-text", Static).update(Text(f"{len(loaded.snaps)} snapshots"))


async def test_a_view_plugs_in_with_a_view_spec_and_gets_the_snapshots() -> None:
    spec = ViewSpec("7", "echo", "echo", lambda app: EchoView(id="echo"))
    app = LeakApp(SERIES[-1:], loader=cached_loader, views=[*DEFAULT_VIEWS, spec])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("7")
        assert app.active_view == "echo"
        assert str(app.query_one("#echo-text").render()) == "1 snapshots"
        assert any(text == "View: echo" for text, _, _ in leak_commands(app))


async def test_command_palette_offers_views_and_suspects() -> None:
    app = LeakApp(SERIES, loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        commands = leak_commands(app)
        assert any(text.startswith("View: growth") for text, _, _ in commands)
        suspect = next(cmd for text, cmd, _ in commands if text.startswith("Suspect:"))
        suspect()
        await pilot.pause(0.05)
        holder = app.current_object()
        assert holder is not None and app.snap.class_name(holder) == "Map"
        await pilot.press("ctrl+p")
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_metrics_file_feeds_view_4_and_the_header(tmp_path: Path) -> None:
    metrics = tmp_path / "live.jsonl"
    metrics.write_text("".join(
        json.dumps({"ts": 1000 + i, "rss": 100_000_000 + i * 1_000_000, "heapUsed": 5e7,
                    "heapTotal": 1e8}) + "\n" for i in range(6)))
    app = LeakApp(SERIES[-1:], loader=cached_loader, metrics=str(metrics))
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_loaded(app, pilot)
        view = app.query_one(MemoryPanel)
        await wait_until(pilot, lambda: len(view.samples) == 6)
        await pilot.press("4")
        assert app.active_view == "memory" and "rss" in str(view.render())
        await wait_until(pilot, lambda: "rss " in str(app.query_one("#header").render()))


async def test_a_view_with_nothing_to_focus_takes_the_focus_from_hidden_panes() -> None:
    app = LeakApp(SERIES[-1:], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "4")
        assert app.active_view == "memory" and app.focused is None
        await pilot.press("s")  # the app's sort key: back to the classes, sorted
        assert app.active_view == "investigate"


@pytest.mark.parametrize("view", ["2", "3", "6"])
async def test_cursor_keys_on_an_empty_view_do_nothing(view: str) -> None:
    """One snapshot without suspects or pins: the growth, suspects and findings tables are
    empty, and moving or choosing in them must leave the app running (an `up` on the empty
    suspects table used to raise)."""

    app = LeakApp([RULES], loader=cached_loader)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press(view, "up", "down", "home", "end", "pageup", "pagedown", "enter")
        await pilot.pause(0.1)
        assert app.is_running and app.active_view is not None
