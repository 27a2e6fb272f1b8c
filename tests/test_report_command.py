"""`leaktui report` as a command: what it shows while loading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from leaktui.errors import SnapshotError
from leaktui.report import load_all

MINI = Path(__file__).parent / "data" / "mini.heapsnapshot"


def test_report_loading_shows_phases_on_a_terminal_and_erases_them(tmp_path: Path) -> None:
    """`leaktui report` on a terminal says which file and phase it is at (a 1 GB load takes
    seconds), on one line it erases when done or when a file is refused."""
    out = io.StringIO()
    snaps = load_all([str(MINI), str(MINI)], progress=out)
    text = out.getvalue()
    assert len(snaps) == 2 and "\n" not in text
    assert "mini.heapsnapshot (2/2): computing dominators" in text
    assert text.endswith("\r" + " " * 79 + "\r")
    bad = tmp_path / "cut.heapsnapshot"
    bad.write_bytes(MINI.read_bytes()[:200])
    out = io.StringIO()
    with pytest.raises(SnapshotError):
        load_all([str(MINI), str(bad)], progress=out)
    assert out.getvalue().endswith("\r" + " " * 79 + "\r")
