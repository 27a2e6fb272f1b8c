"""`leaktui.series.load_series`: the one way the TUI and `leaktui report` open a series
(bad files left out and named, oldest first, suspects found, or the snapshots open anyway)."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

import pytest

from leaktui.errors import SnapshotError
from leaktui.report import StatusLine
from leaktui.series import SUSPECTS_PHASE, LoadCancelled, load_series
from leaktui.snapshot import HeapSnapshot

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.heapsnapshot"
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "snapshots_sample" / "unbounded-cache"


@pytest.fixture(scope="module")
def sample_series() -> list[str]:
    """The unbounded-cache sample series, given newest first (so it must be reordered)."""
    return [str(p) for p in sorted(SAMPLE.glob("*.heapsnapshot.gz"), reverse=True)]


def test_a_series_is_opened_oldest_first_with_its_suspects_and_progress(
        sample_series: list[str]) -> None:
    heard: list[tuple[int, int, str, str]] = []
    series = load_series(sample_series,
                         lambda i, n, path, phase, f: heard.append((i, n, Path(path).name, phase)))
    assert [Path(s.path).name for s in series.snaps] == [Path(p).name
                                                         for p in reversed(sample_series)]
    assert series.one_process and any("reordered" in w for w in series.warnings)
    assert series.suspects and series.suspects[0].pattern == "unbounded-cache"
    assert series.suspects_error is None
    assert {i for i, *_ in heard} == set(range(len(sample_series)))
    assert heard[-1] == (len(sample_series) - 1, len(sample_series),
                         Path(sample_series[-1]).name, SUSPECTS_PHASE)


def test_a_bad_file_is_left_out_and_named_and_none_usable_is_the_error(
        tmp_path: Path) -> None:
    bad = tmp_path / "cut.heapsnapshot"
    bad.write_bytes(MINI.read_bytes()[:200])
    series = load_series([str(MINI), str(bad)])
    assert len(series.snaps) == 1
    assert len(series.warnings) == 1 and "cut.heapsnapshot" in series.warnings[0]
    with pytest.raises(SnapshotError, match="cut.heapsnapshot"):
        load_series([str(bad)])


def test_when_the_suspect_finder_fails_the_snapshots_still_open() -> None:
    def broken(snaps: list[HeapSnapshot]) -> list[object]:
        raise ValueError("a detector's bug")

    series = load_series([str(MINI)], find_suspects=broken)  # type: ignore[arg-type]
    assert len(series.snaps) == 1 and series.suspects == []
    assert series.suspects_error is not None
    assert "ValueError: a detector's bug" in series.suspects_error
    assert "the snapshots are open" in series.suspects_error
    assert series.suspects_traceback and "ValueError" in series.suspects_traceback


def test_loading_stops_when_the_caller_cancels() -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # a few progress steps into the first file

    with pytest.raises(LoadCancelled):
        load_series([str(MINI), str(MINI)], cancelled=cancelled)


def test_report_opens_the_series_the_same_way_leaving_a_bad_file_out(
        tmp_path: Path) -> None:
    """`leaktui report` on a series with a bad file: the file named in the warnings, the
    rest reported (exit 0); the status line is erased."""
    bad = tmp_path / "cut.heapsnapshot"
    bad.write_bytes(MINI.read_bytes()[:200])
    good = tmp_path / "mini.heapsnapshot.gz"
    with gzip.open(good, "wb") as f:
        f.write(MINI.read_bytes())
    res = subprocess.run([sys.executable, "-m", "leaktui.cli", "report", "--format", "text",
                          str(good), str(bad)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    warnings = res.stdout.split("Warnings\n", 1)[1].split("\n\n", 1)[0]
    assert warnings.startswith("- left out") and "cut.heapsnapshot" in warnings
    out = io.StringIO()
    status = StatusLine(out)
    status(0, 2, "/x/a.heapsnapshot", "parsing", 0.5)
    status.clear()
    assert out.getvalue().startswith("\rleaktui: a.heapsnapshot (1/2): parsing  50%")
    assert out.getvalue().endswith("\r" + " " * 79 + "\r")


def test_what_runs_alongside_the_suspects_gets_the_ordered_series_and_its_answer_is_kept(
        sample_series: list[str]) -> None:
    """`leaktui report` takes its comparison this way, beside the suspect finder."""
    asked: list[tuple[list[str], bool]] = []

    def alongside(snaps: list[object], one_process: bool) -> str:
        asked.append(([Path(s.path).name for s in snaps], one_process))  # type: ignore[attr-defined]
        return "the comparison"

    series = load_series(sample_series, alongside=alongside, lean=True)
    assert series.alongside == "the comparison"
    assert asked == [([Path(s.path).name for s in series.snaps], True)]
    assert [Path(p).name for p in asked[0][0]] == [Path(p).name
                                                   for p in reversed(sample_series)]
    assert series.suspects and series.suspects_error is None


def test_an_error_alongside_the_suspects_is_the_caller_s_error() -> None:
    def broken(snaps: list[object], one_process: bool) -> None:
        raise ValueError("a comparison's bug")

    with pytest.raises(ValueError, match="a comparison's bug"):
        load_series([str(MINI)], alongside=broken)
