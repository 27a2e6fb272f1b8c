"""Pinned findings: saved next to the snapshot, back on reopening, a corrupt file set aside,
a fallback place when the snapshot's folder is read-only, and in the Markdown report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import wait_loaded

from leaktui.pins import PINS_SUFFIX, Pin, PinStore
from leaktui.tui.app import LeakApp

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "snapshots_sample" / "unbounded-cache" / "unbounded-cache-3.heapsnapshot.gz"


def pin(node_id: int, note: str = "grows") -> Pin:
    return Pin(node_id=node_id, class_name="Map", note=note, retained_size=1234,
               path=["services", "profiles", "userCache"], created=time.time())


def test_pins_are_saved_beside_the_snapshot_and_come_back(tmp_path: Path) -> None:
    snap = tmp_path / "a.heapsnapshot"
    snap.write_text("{}")
    store = PinStore(str(snap))
    store.add(pin(7))
    store.add(pin(9, "second"))
    assert Path(str(snap) + PINS_SUFFIX).exists()
    again = PinStore(str(snap))
    assert [(p.node_id, p.note) for p in again.pins] == [(7, "grows"), (9, "second")]
    again.remove(7)
    assert [p.node_id for p in PinStore(str(snap)).pins] == [9]


def test_a_corrupt_pins_file_is_set_aside_not_lost(tmp_path: Path) -> None:
    snap = tmp_path / "a.heapsnapshot"
    snap.write_text("{}")
    pins_file = Path(str(snap) + PINS_SUFFIX)
    pins_file.write_text('{"snapshot": "x", "pins": [{"broken"')
    store = PinStore(str(snap))
    assert store.pins == [] and store.message is not None and "kept as" in store.message
    kept = list(tmp_path.glob(f"*{PINS_SUFFIX}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text().startswith('{"snapshot": "x"')


def test_read_only_folder_falls_back_to_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() == 0:
        ro = Path("/proc/self")  # root ignores permission bits: use a folder no one can write
        snap_path = str(ro / "status")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        (ro / "a.heapsnapshot").write_text("{}")
        ro.chmod(0o500)
        snap_path = str(ro / "a.heapsnapshot")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store = PinStore(snap_path)
    store.add(pin(1))
    assert str(store.file).startswith(str(tmp_path / "state"))
    assert PinStore(snap_path).pins[0].node_id == 1


async def test_p_pins_the_current_object_and_findings_list_it(tmp_path: Path) -> None:
    snap = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, snap)
    app = LeakApp([str(snap)])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("n")  # open the top suspect's holder
        await pilot.press("p", *"owned by profiles", "enter")
        await pilot.pause(0.1)
        assert app.pins is not None and app.pins.pins[0].note == "owned by profiles"
        assert app.pins.pins[0].kind == "suspect" and app.pins.pins[0].advice
        await pilot.press("6")
        assert app.query_one("#findings-table").row_count == 1
    reopened = PinStore(str(snap))
    assert reopened.pins[0].path == ["services", "profiles", "userCache"]
    report = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format",
                             "markdown", str(snap)], capture_output=True, text=True, timeout=120)
    assert "## Pinned findings" in report.stdout and "owned by profiles" in report.stdout
    first_lines = report.stdout.splitlines()[:8]
    assert any("Pinned findings" in line for line in first_lines)  # summary first
