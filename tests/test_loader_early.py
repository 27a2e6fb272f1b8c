"""`snapshot.early`: a snapshot's nodes and edges parsed on a second thread while a command
imports its modules. Whatever part it parsed, and wherever it stopped (a chunk's end, the
middle of a number, a bad byte), the loader's result and errors are what it gives alone."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from leaktui.errors import SnapshotError
from leaktui.snapshot import early, load_raw

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Node snapshot, uncompressed (early reads plain files only)."""
    path = tmp_path_factory.mktemp("early") / "map.heapsnapshot"
    path.write_bytes(gzip.decompress((DATA / "node20-map.heapsnapshot.gz").read_bytes()))
    return path


def read_early(path: Path, limit: int = -1) -> early.EarlyRead:
    """An early read of ``path`` run to ``limit`` (synchronously), registered for the loader."""
    read = early._prepare(str(path))
    assert read is not None
    read.limit = limit
    early._run(read)
    with early._lock:
        early._started[str(path)] = read
    return read


def uses(raw_array: np.ndarray, section: early.Section) -> bool:
    return np.shares_memory(raw_array, np.frombuffer(section.memory, dtype=np.uint8))


def offsets(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    nodes = data.index(b'"nodes":[') + len('"nodes":[')
    edges = data.index(b'"edges":[') + len('"edges":[')
    return nodes, edges, data.index(b"]", edges)


def test_early_read_needs_no_numpy() -> None:
    code = ("import sys\nimport leaktui.snapshot.early\n"
            "print('numpy' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize("where", ["whole", "nodes start", "mid nodes", "mid number",
                                   "nodes end", "mid edges", "edges end"])
def test_arrays_parsed_early_up_to_any_point_load_as_the_loader_parses_them(
        plain: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(early, "CHUNK", 4096)  # many chunks, the way a big file is read
    alone = load_raw(str(plain))
    nodes, edges, edges_end = offsets(plain)
    data = plain.read_bytes()
    mid_number = nodes + 1000
    while not (data[mid_number - 1:mid_number].isdigit() and data[mid_number:mid_number + 1]
               .isdigit()):
        mid_number += 1
    limit = {"whole": -1, "nodes start": nodes, "mid nodes": (nodes + edges) // 2,
             "mid number": mid_number, "nodes end": edges - len('"edges":['),
             "mid edges": (edges + edges_end) // 2, "edges end": edges_end + 1}[where]
    read = read_early(plain, limit)
    raw = load_raw(str(plain))
    assert raw.nodes.tolist() == alone.nodes.tolist()
    assert raw.edges.tolist() == alone.edges.tolist()
    assert list(raw.strings) == list(alone.strings)
    assert uses(raw.nodes, read.sections["nodes"])
    # the edges' memory once the nodes were done (the loader parses what is left of them)
    edges_used = uses(raw.edges, read.sections["edges"])
    assert edges_used == (where not in ("nodes start", "mid nodes", "mid number"))
    assert str(plain) not in early._started  # taken once


@pytest.mark.parametrize("bad_at", ["before the stop", "after the stop"])
def test_a_bad_value_is_the_same_one_clear_error_wherever_the_early_read_stopped(
        plain: Path, tmp_path: Path, bad_at: str) -> None:
    data = bytearray(plain.read_bytes())
    nodes, edges, _ = offsets(plain)
    bad = nodes + 3000
    while not chr(data[bad]).isdigit():
        bad += 1
    data[bad] = ord("x")
    path = tmp_path / "bad.heapsnapshot"
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotError) as alone:
        load_raw(str(path))
    read_early(path, limit=bad + 500 if bad_at == "before the stop" else bad - 500)
    with pytest.raises(SnapshotError) as after_early:
        load_raw(str(path))
    assert str(after_early.value) == str(alone.value)
    assert "unexpected character 'x' in nodes" in str(alone.value)


def test_a_file_replaced_after_the_early_start_is_read_anew(plain: Path,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "replaced.heapsnapshot"
    path.write_bytes(plain.read_bytes())
    read_early(path)
    other = (DATA / "mini.heapsnapshot").read_bytes()
    replacement = tmp_path / "new.heapsnapshot"
    replacement.write_bytes(other)
    os.replace(replacement, path)  # another inode at the same path
    raw = load_raw(str(path))
    assert raw.nodes.shape[1] == load_raw(str(DATA / "mini.heapsnapshot")).nodes.shape[1]


def test_gzip_files_and_other_layouts_are_left_to_the_loader(tmp_path: Path,
                                                             plain: Path) -> None:
    packed = tmp_path / "packed.heapsnapshot.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    spaced = tmp_path / "spaced.heapsnapshot"
    spaced.write_bytes(b" " + plain.read_bytes())  # valid JSON, not V8's own layout
    for path in (packed, spaced, tmp_path / "missing.heapsnapshot"):
        early.start(str(path))
        assert str(path) not in early._started
    assert load_raw(str(spaced)).nodes.tolist() == load_raw(str(plain)).nodes.tolist()


def test_a_pipe_is_neither_opened_nor_read_early(tmp_path: Path) -> None:
    fifo = tmp_path / "snapshot.fifo"
    os.mkfifo(fifo)
    done = threading.Event()

    def start() -> None:
        early.start(str(fifo))  # opening a pipe would wait for a writer; reading, take bytes
        done.set()

    threading.Thread(target=start, daemon=True).start()
    assert done.wait(30)
    assert str(fifo) not in early._started


def test_the_report_command_starts_its_first_file_early_and_reports_the_same(
        plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from leaktui.cli import main

    started: list[str] = []
    real_start = early.start

    def start(path: str) -> None:
        started.append(path)
        real_start(path)

    monkeypatch.setattr(early, "start", start)
    assert main(["report", "--format", "json", str(plain)]) == 0
    with_early = capsys.readouterr().out
    monkeypatch.setattr(early, "start", lambda path: None)
    assert main(["report", "--format", "json", str(plain)]) == 0
    assert capsys.readouterr().out == with_early
    assert started == [str(plain)] and str(plain) not in early._started
