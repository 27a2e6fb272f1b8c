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



def test_report_command_ends_quickly_with_its_output_whole_and_its_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The console script ends `report`'s process without the interpreter's teardown: what
    it printed still arrives whole (a short text left in the stream's buffer, and JSON past a
    pipe's buffer), the exit status is the command's, and a reader that stops early gets no
    traceback."""
    import os
    import subprocess
    import sys

    from leaktui import cli

    script = [sys.executable, "-m", "leaktui.cli", "report"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    assert cli.main(["report", str(MINI)]) == 0
    text = subprocess.run([*script, str(MINI)], capture_output=True, text=True, timeout=120,
                          env=env)
    assert text.returncode == 0 and text.stderr == ""
    assert text.stdout == capsys.readouterr().out and len(text.stdout) < 8192
    series = sorted(str(p) for p in (MINI.parents[2] / "snapshots_sample" / "unbounded-queue")
                    .glob("*.heapsnapshot.gz"))
    whole = subprocess.run([*script, "--format", "json", *series], capture_output=True,
                           timeout=120, env=env)
    assert whole.returncode == 0 and whole.stderr == b""
    assert len(whole.stdout) > 65536 and whole.stdout.endswith(b"}\n")  # past a pipe buffer
    refused = subprocess.run([*script, str(MINI) + ".missing"], capture_output=True,
                             timeout=120, env=env)
    assert refused.returncode == 2 and refused.stderr.decode().startswith("leaktui: ")
    reader = subprocess.Popen([*script, "--format", "json", *series], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)
    reader.stdout.close()  # gone before the report is written
    assert reader.wait(timeout=120) in (0, 1) and b"Traceback" not in reader.stderr.read()


def test_duplicated_strings_found_beside_the_suspects_are_the_reports_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktui.snapshot.pipeline as pipeline
    from leaktui.commands.report import _alongside
    from leaktui.report import COMPUTE
    from leaktui.report_strings import duplicate_strings_entry
    from leaktui.snapshot import load_snapshot

    sample = sorted((Path(__file__).resolve().parents[1] / "snapshots_sample"
                     / "unbounded-cache").glob("*.gz"))[-1]
    snap = load_snapshot(str(sample))
    diff, duplicates = _alongside([snap], True, 5)
    assert diff is None and duplicates == duplicate_strings_entry(snap, 5) and duplicates
    monkeypatch.setattr(pipeline, "DOMINATORS_BESIDE_NODES", 0)  # a big heap: left to the report
    assert _alongside([snap], True, 5) == (None, COMPUTE)
