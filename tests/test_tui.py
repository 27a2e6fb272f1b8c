"""The TUI driven by keyboard on real snapshots: filter a class, open an instance, follow the
retainers to a root, history, go to @id, narrow layout, errors shown in the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import wait_loaded

from leaktui.tui.app import LeakApp
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable, RetainerTree

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache").glob("*.gz"))


async def test_filter_open_instance_and_follow_retainers_to_the_cache() -> None:
    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert len(app.snaps) == 3
        await pilot.press("1", "slash", *"UserProf", "enter")
        table = app.query_one("#classes", ClassSummaryTable)
        assert [r.name for r in table.rows_shown] == ["UserProfile"]
        await pilot.press("enter")  # class -> instances
        instances = app.query_one("#instances", InstanceTable)
        assert instances.row_count >= 200 and app.focused is instances
        await pilot.press("enter")  # instance -> object
        node = app.current_object()
        assert node is not None and app.snap.class_name(node) == "UserProfile"
        tree = app.query_one("#retainers", RetainerTree)
        chain = [app.snap.class_name(n) for n in tree.path_nodes()]
        assert "Map" in chain
        labels, level = [], tree.root
        while level.children and level.is_expanded:
            level = level.children[0]
            labels.append(str(level.label))
        assert any(label.startswith("{table} in Map") for label in labels), labels
        assert any(label.startswith(".userCache in") for label in labels), labels
        path = app.snap.path_names(node)
        assert path[:3] == ["services", "profiles", "userCache"]


async def test_history_back_and_forward_and_goto_id() -> None:
    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        snap = app.snaps[-1]
        cache = next(r for r in snap.summary() if r.name == "UserProfile")
        first = int(snap.instances(cache.class_id)[0])
        await pilot.press("g", *f"@{int(snap.node_id[first])}", "enter")
        await pilot.pause(0.1)
        assert app.current_object() == first
        tree = app.query_one("#retainers", RetainerTree)
        tree.focus()
        tree.move_cursor(tree.root.children[0])
        await pilot.press("o")
        second = app.current_object()
        assert second is not None and second != first
        await pilot.press("backspace")
        assert app.current_object() == first
        await pilot.press("f")
        assert app.current_object() == second
        await pilot.press("g", *"@999999999", "enter")
        await pilot.pause(0.1)
        assert app.current_object() == second  # unknown id: a message, nothing else changes


async def test_suspects_view_opens_first_when_a_leak_is_high_and_enter_opens_the_holder() -> None:
    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert app.query_one("#views").current == "suspects"
        await pilot.press("enter")
        holder = app.current_object()
        assert holder is not None and app.snap.class_name(holder) == "Map"
        assert app.query_one("#views").current == "investigate"


async def test_growth_view_lists_new_objects_of_a_class() -> None:
    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("2")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.new_nodes:
                break
        growth = app.query_one("#growth-table")
        keys = [r.key for r in growth.diff_rows]
        row = keys.index(next(k for k in keys if k.endswith("UserProfile")))
        growth.move_cursor(row=row)
        await pilot.press("enter")
        instances = app.query_one("#instances", InstanceTable)
        assert "new UserProfile" in str(instances.border_title)
        assert len(instances.members) == 3000


async def test_narrow_terminal_shows_one_pane_and_tab_moves_between_panes() -> None:
    app = LeakApp(SERIES[-1:])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        assert app.has_class("narrow")
        visible = [w.id for w in app.query(".pane, #classes-box") if w.display]
        assert visible == ["classes-box"]
        await pilot.press("tab")
        visible = [w.id for w in app.query(".pane, #classes-box") if w.display]
        assert visible == ["instances"]


async def test_unusable_file_is_reported_in_the_app_not_as_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "broken.heapsnapshot"
    bad.write_text('{"snapshot": {"meta": ')
    app = LeakApp([str(bad)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(app, pilot)
        assert app.load_error is not None and "broken.heapsnapshot" in app.load_error
        label = str(app.query_one("#load-label").render())
        assert "Cannot open" in label
        await pilot.press("q")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_screens_match_snapshots(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    rules = str(ROOT / "tests" / "data" / "rules.heapsnapshot")

    async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_loaded(app, pilot)
        app.load_seconds = 0.0
        app._update_header()
        await pilot.press("1")
        await pilot.pause(0.2)

    assert snap_compare(LeakApp([rules]), terminal_size=size, run_before=settle)


async def test_sort_key_cycles_and_copy_puts_the_root_path_on_the_clipboard() -> None:
    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        table = app.query_one("#classes", ClassSummaryTable)
        await pilot.press("s")
        assert table.sort_key == "shallow"
        sizes = [r.self_size for r in table.rows_shown]
        assert sizes == sorted(sizes, reverse=True)
        await pilot.press("enter")  # suspects were not high-first here: open the holder
        await pilot.press("n")
        await pilot.press("y")
        assert "services.profiles.userCache" in app.clipboard or \
            ".userCache" in app.clipboard
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"


async def test_command_palette_offers_views_and_suspects() -> None:
    from leaktui.tui.commands import LeakCommands

    app = LeakApp(SERIES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        provider = LeakCommands(app.screen)
        texts = [t for t, _, _ in provider._commands()]
        assert any(t.startswith("View: growth") for t in texts)
        suspect = next(cmd for t, cmd, _ in provider._commands() if t.startswith("Suspect:"))
        suspect()
        await pilot.pause(0.1)
        holder = app.current_object()
        assert holder is not None and app.snap.class_name(holder) == "Map"
