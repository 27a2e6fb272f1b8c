"""An object held through very many retainer slots has its retainers listed by a worker: the
tree shows a "listing" row at once, then the same page, path to a root and "N more" rows as
when they are listed on the keypress. The limit is lowered so a small snapshot takes that path
(the 500 Sessions of tests/programs/tui_sessions.js share one map)."""

from __future__ import annotations

import pytest
from tui_support import (
    cached_loader,
    shared_session_map,
    tree_rows,
    wait_loaded,
    wait_until,
)

import leaktui.tui.widgets.retainers as retainers_module
from leaktui.snapshot import HeapSnapshot
from leaktui.tui.app import LeakApp
from leaktui.tui.widgets import RetainerTree


async def test_many_retainers_show_a_listing_row_then_the_same_rows_and_path_to_a_root(
        sessions: str, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = cached_loader(sessions)
    held = shared_session_map(snap)
    slots = len(snap.retainer_slots(held))
    assert slots >= 500
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        tree = app.query_one(RetainerTree)
        tree.show(snap, held)  # listed on the keypress
        rows, path = tree_rows(tree), tree.path_nodes()
        first_level = [str(c.label) for c in tree.root.children]
        assert len(path) > 1 and first_level[50] == f"… {len(snap.retainers(held)) - 50:,} " \
                                                    "more retainers (enter)"

        monkeypatch.setattr(retainers_module, "LOADING_SLOTS", 100)
        tree._lists.clear()
        tree.show(snap, held)
        assert tree_rows(tree) == [f"… listing the retainers ({slots:,} slots)"]
        assert tree.current_node() == held  # the cursor waits on the object
        await wait_until(pilot, lambda: not tree.listing, what="the retainers' worker")
        assert tree_rows(tree) == rows and tree.path_nodes() == path

        tree.focus()
        await pilot.pause()
        tree.move_cursor(tree.root.children[50])  # "N more": the next page, by the worker
        tree._lists.clear()
        await pilot.press("enter")
        await wait_until(pilot, lambda: not tree.listing, what="the next page")
        labels = [str(c.label) for c in tree.root.children]
        total = len(snap.retainers(held))
        assert len(labels) == 101 and labels[-1] == f"… {total - 100:,} more retainers (enter)"


async def test_the_path_of_an_object_held_through_many_slots_is_found_by_a_worker(
        sessions: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each step of the path to a root reads every retainer slot of the object: past the
    limit the summary says it is looking, then shows the same path as on the keypress."""
    import leaktui.tui.widgets.object as object_module
    from leaktui.snapshot.paths import path_text
    from leaktui.tui.widgets.object import ObjectPane

    snap = cached_loader(sessions)
    held = shared_session_map(snap)
    monkeypatch.setattr(object_module, "LOADING_SLOTS", 100)
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        pane = app.query_one(ObjectPane)
        summary = pane.query_one("#object")
        pane.show(snap, held)
        assert "path: … finding the nearest root" in str(summary.render())
        expected = path_text(snap, held)
        await wait_until(pilot, lambda: "finding" not in str(summary.render()),
                         what="the path's worker")
        assert str(summary.render()).endswith("path: " + expected)


async def test_a_worker_that_fails_says_so_in_the_tree_and_the_summary(
        sessions: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of memory listing millions of retainers: the "listing" and "finding" placeholders
    give way to the error, never wait forever."""
    import leaktui.tui.widgets.object as object_module
    from leaktui.tui.widgets.object import ObjectPane

    snap = cached_loader(sessions)
    held = shared_session_map(snap)

    first_retainers, path_text = snap.first_retainers, object_module.path_text

    def listed(node: int, limit: int) -> object:
        if node == held:
            raise MemoryError("cannot allocate 52 MB")
        return first_retainers(node, limit)

    def path(of: HeapSnapshot, node: int) -> str:
        if node == held:
            raise MemoryError("cannot allocate 52 MB")
        return path_text(of, node)

    monkeypatch.setattr(retainers_module, "LOADING_SLOTS", 100)
    monkeypatch.setattr(object_module, "LOADING_SLOTS", 100)
    monkeypatch.setattr(snap, "first_retainers", listed)
    monkeypatch.setattr(object_module, "path_text", path)
    app = LeakApp([sessions], loader=cached_loader)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        tree = app.query_one(RetainerTree)
        tree._lists.clear()
        tree.show(snap, held)
        await wait_until(pilot, lambda: not tree.listing, what="the failed worker")
        assert tree_rows(tree) == ["could not list the retainers: MemoryError: cannot allocate "
                                   "52 MB"]
        summary = app.query_one(ObjectPane).query_one("#object")
        app.query_one(ObjectPane).show(snap, held)
        await wait_until(pilot, lambda: "finding" not in str(summary.render()),
                         what="the path's failed worker")
        assert str(summary.render()).endswith(
            "path: could not find the path from a root: MemoryError: cannot allocate 52 MB")
