"""Pins in the TUI: `p` pins the current object or suspect with a note, `y` copies it as
Markdown, the Findings view lists pins, opens, copies and unpins them, and flags pins made
on another snapshot. Driven on a real sample snapshot with Textual's pilot."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import wait_loaded
from tui_support import wait_until

from leaktui.pins import PINS_SUFFIX, Pin, PinStore, finding_markdown
from leaktui.tui import pinning
from leaktui.tui.app import LeakApp
from leaktui.tui.widgets.findings import FindingsView

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "snapshots_sample" / "unbounded-cache"
SAMPLE = SAMPLES / "unbounded-cache-3.heapsnapshot.gz"
HOLDER_PATH = ["services", "profiles", "userCache"]  # the sample program's cache


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    copy = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, copy)
    return copy


async def test_p_pins_the_suspect_with_a_note_and_findings_list_it(sample: Path) -> None:
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n")  # the top suspect's holder becomes the current object
        node = app.current_object()
        assert node is not None and app.snap.path_names(node) == HOLDER_PATH
        await pilot.press("p", *"owned by profiles", "enter")
        assert app.pins is not None
        store = app.pins
        await wait_until(pilot, lambda: store.pins, what="the pin saved")
        pin = app.pins.pins[0]
        assert (pin.note, pin.kind, pin.path) == ("owned by profiles", "suspect", HOLDER_PATH)
        assert pin.pattern == app.suspects[0].pattern and pin.advice == app.suspects[0].advice
        assert pin.node_count == app.snap.node_count
        await pilot.press("6")
        view = app.query_one(FindingsView)
        assert view.table.row_count == 1
        assert "owned by profiles" in str(view.query_one("#finding-detail").render())
    reopened = PinStore(str(sample))
    assert [(p.node_id, p.note) for p in reopened.pins] == [(pin.node_id, "owned by profiles")]


async def test_p_again_edits_the_note_and_escape_keeps_it(sample: Path) -> None:
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n", "p", *"first", "enter")
        assert app.pins is not None
        store = app.pins
        await wait_until(pilot, lambda: [p.note for p in store.pins] == ["first"],
                         what="the first note")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, pinning.PinNoteScreen),
                         what="the note dialog")
        assert app.screen.query_one("#pin-note").value == "first"  # type: ignore[attr-defined]
        await pilot.press("escape", "p", "ctrl+u", *"second", "enter")
        await wait_until(pilot, lambda: [p.note for p in store.pins] == ["second"],
                         what="the note edited")


async def test_y_copies_the_current_finding_as_markdown(sample: Path) -> None:
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n", "p", *"owned by profiles", "enter")
        assert app.pins is not None
        store = app.pins
        await wait_until(pilot, lambda: store.pins, what="the pin saved")
        await pilot.press("y")
        node = app.current_object()
        assert node is not None
        expected = finding_markdown(app.snap, node, note="owned by profiles",
                                    suspect=app.suspects[0])
        assert app.clipboard == expected
        assert app.clipboard.startswith(f"**Map @{int(app.snap.node_id[node])}** retains")
        assert "`global.services.profiles.userCache`" in app.clipboard
        assert f"Fix: {app.suspects[0].advice}" in app.clipboard


async def test_findings_open_copy_unpin_and_undo(sample: Path) -> None:
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        holder = app.suspects[0].holder
        holder_id = int(app.snap.node_id[holder])
        assert app.pins is not None
        app.pins.add(pinning.make_pin(app.snap, holder, "the cache", app.suspects[0]))
        app.main.pins_changed()
        profiles = next(r for r in app.snap.summary() if r.name == "UserProfile")
        other = int(app.snap.instances(profiles.class_id)[0])
        await pilot.press("g", *str(int(app.snap.node_id[other])), "enter")
        await wait_until(pilot, lambda: app.current_object() == other, what="the object")
        await pilot.press("6", "y")
        assert app.clipboard.startswith(f"**Map @{holder_id}**")  # the pin, not the object
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_object() == holder, what="the pin opened")
        assert app.active_view == "investigate"
        await pilot.press("6", "d")
        assert app.pins.pins == [] and PinStore(str(sample)).pins == []
        await pilot.press("u")
        assert [p.node_id for p in PinStore(str(sample)).pins] == [holder_id]


async def test_pins_from_another_snapshot_are_marked_and_announced(sample: Path) -> None:
    store = PinStore(str(sample))  # a pin whose header counts are not this file's
    store.add(Pin(node_id=1, class_name="Map", note="from run 1", retained_size=10, path=[],
                  created=time.time(), node_count=12, edge_count=34))
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert app.pins is not None and app.pins.message is not None
        assert "another snapshot" in app.pins.message
        await pilot.press("6")
        view = app.query_one(FindingsView)
        assert str(view.table.get_row_at(0)[0]) == "other?"
        assert "may be a different object" in str(view.query_one("#finding-detail").render())


async def test_a_corrupt_pins_file_is_set_aside_when_the_app_opens(sample: Path) -> None:
    pins_file = Path(str(sample) + PINS_SUFFIX)
    pins_file.write_text('{"snapshot": "x", "pins": [')
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert app.pins is not None and app.pins.pins == []
        assert app.pins.message is not None and "corrupt" in app.pins.message
    kept = list(sample.parent.glob(f"{pins_file.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"snapshot": "x", "pins": ['


async def test_findings_show_pins_a_colleague_saved_meanwhile(sample: Path) -> None:
    app = LeakApp([str(sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("6")
        assert app.query_one(FindingsView).table.row_count == 0
        PinStore(str(sample)).add(Pin(node_id=int(app.snap.node_id[app.suspects[0].holder]),
                                      class_name="Map", note="from the browser",
                                      retained_size=1, path=HOLDER_PATH, created=time.time()))
        await pilot.press("1", "6")
        view = app.query_one(FindingsView)
        assert view.table.row_count == 1
        assert "from the browser" in str(view.query_one("#finding-detail").render())
