"""A plain file is read through a memory map (no copy of each chunk into a buffer); gzip and
special files through the buffered reader. Both must give the same arrays and strings however
the values, keys and the strings section fall across chunk boundaries, and the same errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from leaktui.errors import SnapshotError
from leaktui.snapshot import loader

SAMPLE = Path(__file__).parents[1] / "snapshots_sample" / "unbounded-cache" / \
    "unbounded-cache-1.heapsnapshot.gz"


@pytest.fixture(scope="module")
def plain_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mapped") / "sample.heapsnapshot"
    path.write_bytes(gzip.decompress(SAMPLE.read_bytes()))
    return path


def _load(path: Path, monkeypatch: pytest.MonkeyPatch, mapped: bool, chunk: int,
          expected: type | None = None) -> loader.RawSnapshot | str:
    """load_raw with chunks of ``chunk`` bytes, through the reader load_raw picks (``mapped``)
    or the buffered one; the snapshot, or the error's text. Checks the reader used was
    ``expected`` (by default: the mapped one when asked for)."""
    used: list[type] = []
    choose = loader._reader

    def reader(stream, raw, size, progress):  # type: ignore[no-untyped-def]
        r = choose(stream, raw, size, progress) if mapped else \
            loader._Reader(stream, raw, size, progress)
        used.append(type(r))
        return r

    monkeypatch.setattr(loader, "CHUNK", chunk)
    monkeypatch.setattr(loader, "_reader", reader)
    try:
        result: loader.RawSnapshot | str = loader.load_raw(str(path))
    except SnapshotError as exc:
        result = str(exc)
    if expected is None:
        expected = loader._MappedReader if mapped else loader._Reader
    assert used == [expected]
    return result


@pytest.mark.parametrize("chunk", [4096, 65536, 16 << 20])
def test_mapped_reader_gives_what_the_buffered_reader_gives(
    plain_sample: Path, monkeypatch: pytest.MonkeyPatch, chunk: int,
) -> None:
    mapped = _load(plain_sample, monkeypatch, mapped=True, chunk=chunk)
    buffered = _load(plain_sample, monkeypatch, mapped=False, chunk=chunk)
    assert not isinstance(mapped, str) and not isinstance(buffered, str), (mapped, buffered)
    assert np.array_equal(mapped.nodes, buffered.nodes)
    assert np.array_equal(mapped.edges, buffered.edges)
    assert mapped.locations is not None and buffered.locations is not None
    assert np.array_equal(mapped.locations, buffered.locations)
    assert mapped.header == buffered.header
    assert len(mapped.strings) == len(buffered.strings) > 1000
    assert list(mapped.strings) == list(buffered.strings)


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.93, 0.999])
def test_mapped_reader_reports_a_truncated_file_as_the_buffered_reader_does(
    plain_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: float,
) -> None:
    data = plain_sample.read_bytes()
    path = tmp_path / "cut.heapsnapshot"
    path.write_bytes(data[:int(len(data) * cut)])
    mapped = _load(path, monkeypatch, mapped=True, chunk=4096)
    buffered = _load(path, monkeypatch, mapped=False, chunk=4096)
    assert isinstance(mapped, str) and "truncated" in mapped, mapped
    assert mapped == buffered


def test_gzip_files_are_read_through_the_buffered_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _load(SAMPLE, monkeypatch, mapped=True, chunk=65536, expected=loader._Reader)
    assert not isinstance(result, str), result
