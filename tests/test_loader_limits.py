"""Files past what leaktui reads, or cut short while it reads them, are one clear error naming
the file: at the header for a snapshot of 2^31 nodes or more (before any memory is taken for
them), and before each mapped window of a plain file that shrank after it was opened (a
snapshot still being written), instead of the process dying of SIGBUS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tui_support import wait_loaded

import leaktui.snapshot.loader as loader
from leaktui.errors import SnapshotError
from leaktui.snapshot import load_raw, load_snapshot
from leaktui.tui.app import LeakApp

DATA = Path(__file__).parent / "data"


def too_many_nodes(tmp_path: Path) -> Path:
    """The small test snapshot, its header claiming `MAX_NODES` nodes."""
    doc = json.loads((DATA / "mini.heapsnapshot").read_text())
    doc["snapshot"]["node_count"] = loader.MAX_NODES
    path = tmp_path / "huge-header.heapsnapshot"
    path.write_text(json.dumps(doc))
    return path


def test_a_header_of_2_to_the_31_nodes_is_refused_by_name(tmp_path: Path) -> None:
    path = too_many_nodes(tmp_path)
    with pytest.raises(SnapshotError) as info:
        load_raw(str(path))
    message = str(info.value)
    assert str(path) in message and f"{loader.MAX_NODES:,} nodes" in message
    assert "\n" not in message


def test_one_node_fewer_than_the_limit_is_not_refused_at_the_header(tmp_path: Path) -> None:
    doc = json.loads((DATA / "mini.heapsnapshot").read_text())
    doc["snapshot"]["node_count"] = loader.MAX_NODES - 1
    path = tmp_path / "claims.heapsnapshot"
    path.write_text(json.dumps(doc))
    with pytest.raises(SnapshotError) as info:  # refused later: the nodes are not there
        load_raw(str(path))
    assert "at most" not in str(info.value)


def test_the_cli_refuses_too_many_nodes_in_one_line_with_exit_2(tmp_path: Path) -> None:
    path = too_many_nodes(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "json",
                           str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "2^31" in lines[0], proc.stderr


async def test_the_tui_says_it_cannot_open_too_many_nodes(tmp_path: Path) -> None:
    path = too_many_nodes(tmp_path)
    app = LeakApp([str(path)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(app, pilot)
        assert app.load_error is not None and "2^31" in app.load_error
        assert str(app.query_one("#load-label").render()).startswith("Cannot open: ")
        await pilot.press("q")


def test_a_plain_file_cut_short_while_it_is_read_is_one_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is cut at the end of the first window, when that window is handed over: the
    next one would lie past the new end of the file."""
    monkeypatch.setattr(loader, "CHUNK", 4096)
    doc = json.loads((DATA / "strings.heapsnapshot").read_text())
    path = tmp_path / "growing.heapsnapshot"
    data = json.dumps(doc, indent=8).encode()
    assert len(data) > 2 * 4096
    path.write_bytes(data)
    cut: list[int] = []

    def progress(phase: str, fraction: float) -> None:
        if not cut and fraction < 1.0:
            size = round(fraction * len(data))
            with open(path, "r+b") as f:
                f.truncate(size)
            cut.append(size)

    with pytest.raises(SnapshotError) as info:
        load_snapshot(str(path), progress)
    message = str(info.value)
    assert cut and str(path) in message and "shrank" in message and "\n" not in message
