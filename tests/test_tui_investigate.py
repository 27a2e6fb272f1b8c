"""View 1 driven by keys on a real snapshot written by Node (500 Sessions in a Map that never
evicts): filter to a class, open an instance, follow the retainers to `leakyCache`, move
through objects and back, go to @id, page through instances, closures and strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROGRAMS
from textual import events
from textual.widgets import Input
from tui_support import (
    cached_loader,
    property_targets,
    shared_session_map,
    tree_rows,
    wait_loaded,
    wait_until,
)

from leaktui.snapshot import HeapSnapshot
from leaktui.tui.app import LeakApp
from leaktui.tui.widgets import ClassSummaryTable, InstanceTable, ObjectTree, RetainerTree
from leaktui.tui.widgets.instances import PAGE
from leaktui.tui.widgets.prompt import PromptBar


@pytest.fixture(scope="module")
def snap(sessions: str) -> HeapSnapshot:
    return cached_loader(sessions)



async def test_filter_open_an_instance_and_the_retainers_reach_leaky_cache(sessions: str) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"Sessio", "enter")
        table = app.query_one(ClassSummaryTable)
        assert [r.name for r in table.rows_shown] == ["Session"]
        await pilot.press("enter")  # class -> instances
        instances = app.query_one(InstanceTable)
        assert app.focused is instances and "Session (500)" in str(instances.border_title)
        await pilot.press("enter")  # instance -> object
        node = app.current_object()
        assert node is not None and app.snap.class_name(node) == "Session"
        assert node == int(instances.nodes[0])  # largest retained first
        tree = app.query_one(RetainerTree)
        assert app.focused is tree
        labels = tree.path_labels()
        assert any(label.startswith(".leakyCache in ") for label in labels), labels
        assert "◆ root" in labels[-1]  # opened up to a root
        assert app.snap.path_names(node)[0] == "leakyCache"


async def test_o_backspace_and_f_move_through_the_history_and_g_goes_to_an_id(
    sessions: str, snap: HeapSnapshot
) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    session = int(property_targets(snap, "payload")[0])  # an array owned by one Session
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("g", *f"@{int(snap.node_id[session])}", "enter")
        await wait_until(pilot, lambda: app.current_object() == session)
        tree = app.query_one(RetainerTree)
        assert app.focused is tree
        tree.move_cursor(tree.root.children[0])  # .payload in Session @...
        await pilot.press("o")
        owner = app.current_object()
        assert owner != session and app.snap.class_name(owner) == "Session"
        await pilot.press("backspace")
        assert app.current_object() == session
        await pilot.press("f")
        assert app.current_object() == owner
        await pilot.press("g", *"@999999999", "enter")
        await wait_until(pilot, lambda: any("No object @999999999" in n.message
                                            for n in app.notices), what="the unknown id")
        assert app.current_object() == owner  # unknown id: a message, nothing else changes
        await pilot.press("g", *"not-an-id", "enter")
        await wait_until(pilot, lambda: any("Not an object id" in n.message
                                            for n in app.notices), what="the bad id")
        assert app.current_object() == owner


async def test_the_go_to_prompt_moves_no_pane_and_esc_or_tab_gives_the_focus_back(
    sessions: str,
) -> None:
    """`g` asks on a bar over the key bar (not a pushed screen: no pane is laid out again);
    it stays while the terminal window loses the focus and has it back; esc closes it with the
    focus back on the pane it came from, tab moves on to a pane and closes it too."""
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        table = app.query_one(ClassSummaryTable)
        assert app.focused is table
        panes = {pane.id: pane.region for pane in app.query(".pane")}
        bar = app.query_one(PromptBar)
        await pilot.press("g", *"@7q7")
        assert bar.is_open and bar.question.startswith("Go to object id")
        assert app.screen is app.main and app.focused is bar.query_one(Input)
        assert bar.query_one(Input).value == "@7q7"  # and on screen, not hidden by a border:
        assert "@7q7" in "".join(strip.text for strip in app.screen._compositor.render_strips())
        assert {pane.id: pane.region for pane in app.query(".pane")} == panes
        app.post_message(events.AppBlur())  # the terminal window loses the focus, then has it
        await pilot.pause()
        assert bar.is_open and app.focused is None
        app.post_message(events.AppFocus())
        await wait_until(pilot, lambda: app.focused is bar.query_one(Input), what="the focus")
        assert bar.is_open and bar.query_one(Input).value == "@7q7"
        await pilot.press("escape")
        assert not bar.is_open and not bar.display and app.focused is table
        await pilot.press("g", "tab")
        await wait_until(pilot, lambda: not bar.is_open, what="the prompt closed")
        assert app.focused is app.query_one(InstanceTable)


async def test_an_edge_of_the_object_pane_becomes_the_current_object(sessions: str) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"Session", "enter", "enter", "enter")
        first = app.current_object()
        await pilot.press("tab")  # retainers -> object
        tree = app.query_one(ObjectTree)
        assert app.focused is tree
        edges = next(n for n in tree.root.children if str(n.label).startswith("edges"))
        payload = next(n for n in edges.children if str(n.label).startswith(".payload "))
        tree.move_cursor(payload)
        await pilot.press("o")
        current = app.current_object()
        assert current is not None and current != first
        assert app.snap.class_name(current) == "Array"
        await pilot.press("r")  # the path to a root of the new current object
        assert any(".payload in Session" in label
                   for label in app.query_one(RetainerTree).path_labels())
        await pilot.press("backspace")
        assert app.current_object() == first


async def test_instances_come_200_at_a_time_with_a_more_row(sessions: str) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"Session", "enter", "enter")
        instances = app.query_one(InstanceTable)
        assert instances.shown == PAGE and instances.row_count == PAGE + 1
        instances.move_cursor(row=PAGE)  # "… 300 more"
        await pilot.press("enter")
        assert instances.shown == 400 and instances.row_count == 401
        assert instances.cursor_row == PAGE  # stays where it was
        instances.move_cursor(row=400)
        await pilot.press("enter")
        assert instances.shown == 500 and instances.row_count == 500
        retained = app.snap.retained_size[instances.nodes[:500]]
        assert (retained[:-1] >= retained[1:]).all()


async def test_sort_cycles_through_the_columns_and_escape_clears_the_filter(
    sessions: str
) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        table = app.query_one(ClassSummaryTable)
        everything = len(table.rows_shown)
        await pilot.press("1")
        for key, field in (("shallow", "self_size"), ("count", "count")):
            await pilot.press("s")
            assert table.sort_key == key
            values = [getattr(r, field) for r in table.rows_shown]
            assert values == sorted(values, reverse=True)
        await pilot.press("s", "s")
        assert table.sort_key == "name"
        names = [r.name.lower() for r in table.rows_shown]
        assert names == sorted(names)
        assert "Class ▼" in str(table.columns["name"].label)  # type: ignore[index]
        await pilot.press("slash", *"sess")
        assert [r.name for r in table.rows_shown] == ["Session"]  # incremental
        refills = 0
        refresh_rows = table.refresh_rows

        def counted(keep_class: int | None = None) -> None:
            nonlocal refills
            refills += 1
            refresh_rows(keep_class)

        table.refresh_rows = counted  # type: ignore[method-assign]
        await pilot.press("escape")
        await pilot.pause()
        assert len(table.rows_shown) == everything and not app.query_one("#filter", Input).value
        assert app.focused is table
        assert refills == 1  # the filter cleared, and its input saying so adds nothing


async def test_closure_shows_captured_variables_and_its_source(
    sessions: str, snap: HeapSnapshot
) -> None:
    closure = int(property_targets(snap, "handler")[0])
    assert snap.type_name(closure) == "closure"
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("g", *f"{int(snap.node_id[closure])}", "enter")
        await wait_until(pilot, lambda: app.current_object() == closure)
        rows = tree_rows(app.query_one(ObjectTree))
        defined = next(r for r in rows if r.startswith("defined at "))
        source = (PROGRAMS / "tui_sessions.js").read_text().splitlines()
        line = 1 + next(i for i, text in enumerate(source) if "function onRequest" in text)
        assert f"tui_sessions.js:{line}:" in defined  # 1-based, as editors count
        assert any("return function onRequest(req) {" in r and r.startswith(">") for r in rows)
        captured = rows.index(next(r for r in rows if r.startswith("captured variables")))
        assert rows[captured + 1].startswith("->config ")


async def test_a_string_shows_its_text(sessions: str, snap: HeapSnapshot) -> None:
    banner = int(property_targets(snap, "banner")[0])
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("g", *f"@{int(snap.node_id[banner])}", "enter")
        await wait_until(pilot, lambda: app.current_object() == banner)
        rows = tree_rows(app.query_one(ObjectTree))
        assert rows[0] == "text (315 characters)"
        assert rows[1].startswith("leaktui banner xxx")


async def test_y_copies_the_path_from_a_root_and_ctrl_s_saves_the_screen(
    sessions: str, tmp_path: Path
) -> None:
    app = LeakApp([sessions], loader=cached_loader, screenshot_dir=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1", "slash", *"Session", "enter", "enter", "enter")
        await pilot.press("y")
        assert "leakyCache" in app.clipboard and "Session @" in app.clipboard
        await pilot.press("ctrl+s")
        saved = list(tmp_path.glob("*.svg"))
        assert len(saved) == 1 and saved[0].read_text().startswith("<svg")
        assert any(str(saved[0]) in str(n.message) for n in app.notices)


async def test_narrow_terminal_shows_one_pane_and_tab_moves_between_panes(
    sessions: str
) -> None:
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")
        assert app.main.has_class("narrow")

        def visible() -> list[str | None]:
            return [w.id for w in app.query(".pane") if w.display]

        assert visible() == ["classes-box"]
        await pilot.press("tab")
        assert visible() == ["instances"]
        await wait_until(pilot, lambda: str(app.query_one("#keys").render()).startswith(
            " 2/4 instances "), what="the key bar naming the instances")
        await pilot.press("tab", "tab")
        assert visible() == ["object-box"]
        await pilot.press("tab")
        assert visible() == ["classes-box"]
        await pilot.press("shift+tab")
        assert visible() == ["object-box"]
        await pilot.resize_terminal(160, 50)
        await wait_until(pilot, lambda: not app.main.has_class("narrow"), what="the wide layout")
        assert len(visible()) == 4


async def test_keys_typed_in_one_batch_after_slash_and_g_reach_their_inputs(
    sessions: str, snap: HeapSnapshot
) -> None:
    """Over a slow SSH link keys arrive together: `/Sess` and `g@<id>` then enter must not
    be split between the input and the table's own keys (s sorts, e expands...)."""
    session = int(property_targets(snap, "payload")[0])
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("1")

        def batch(*keys: str) -> None:
            for key in keys:
                char = {"slash": "/", "enter": "\r"}.get(key, key)
                app.post_message(events.Key(key, char))

        batch("slash", *"Sess")
        table = app.query_one(ClassSummaryTable)
        await wait_until(pilot, lambda: table.filter_text == "Sess", what="the filter typed")
        assert app.query_one("#filter", Input).value == "Sess"
        assert [r.name for r in table.rows_shown] == ["Session"] and table.sort_key == "retained"
        await pilot.press("escape")
        batch("g", *f"@{int(snap.node_id[session])}", "enter")
        await wait_until(pilot, lambda: app.current_object() == session)


async def test_retainers_are_capped_with_a_more_row_hide_weak_edges_and_mark_cycles(
    sessions: str, snap: HeapSnapshot
) -> None:
    watched = next(int(snap.edge_to[e]) for e in snap.edges(int(property_targets(snap,
                   "watcher")[0])) if snap.edge_type_name(e) == "weak")
    assert snap.class_name(watched) == "Session"
    shape = shared_session_map(snap)  # shared by the 500 Sessions
    total = len(snap.retainers(shape))
    assert total >= 500
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        tree = app.query_one(RetainerTree)

        async def go(node: int) -> None:
            await pilot.press("g", *str(int(snap.node_id[node])), "enter")
            await wait_until(pilot, lambda: app.current_object() == node)

        await go(watched)  # held weakly by global.watcher: that edge is not a retainer
        assert any(snap.edge_type_name(int(snap.retaining_edges[r])) == "weak"
                   for r in snap.retainer_slots(watched))
        first_level = [str(child.label) for child in tree.root.children]
        assert first_level and not any(label.startswith("[[") for label in first_level)

        await go(shape)
        labels = [str(child.label) for child in tree.root.children]
        assert len(labels) == 51 and labels[-1] == f"… {total - 50:,} more retainers (enter)"
        tree.move_cursor(tree.root.children[-1])
        await pilot.press("enter")
        labels = [str(child.label) for child in tree.root.children]
        assert len(labels) == 101 and labels[-1] == f"… {total - 100:,} more retainers (enter)"
        assert sum(label.startswith("{map} in Session @") for label in labels) == 100

        ring = int(property_targets(snap, "ring")[0])  # global.ring.next.back is ring
        ring_b = next(int(snap.edge_to[e]) for e in snap.edges(ring)
                      if snap.edge_name_text(e) == "next")
        await go(ring_b)
        ring_a = tree.root.children[0]
        assert ring_a.data is not None and ring_a.data.node == ring and ring_a.is_expanded
        rows = {str(c.label).split(" in ")[0]: c for c in ring_a.children}
        assert "◆ root" in str(rows[".ring"].label)
        back = rows[".back"]
        assert "↻ cycle" in str(back.label) and not back.allow_expand
