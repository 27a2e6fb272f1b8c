"""The bundled sample series: every program has its three gzipped snapshots, each a whole gzip
stream (CRC checked) of a V8 heap snapshot, written with gzip -9; expected.json covers exactly
the series; the folder stays within its size budget."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "snapshots_sample"
PROGRAMS = SAMPLES / "programs"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
BUDGET_BYTES = 25 * 1000 * 1000
PHASES = (1, 2, 3)
GZIP_XFL_MAX_COMPRESSION = 2  # header byte 8 that gzip -9 writes
CHUNK = 1 << 20


def program_series() -> list[str]:
    """Series names: one per program, the shared harness excepted."""
    return sorted(p.stem for p in PROGRAMS.glob("*.js") if p.stem != "harness")


@dataclass(frozen=True)
class Unpacked:
    head: bytes
    tail: bytes
    text_hits: frozenset[str]


def unpack(path: Path, needles: tuple[str, ...]) -> Unpacked:
    """Stream the whole file through gzip (so a truncated or corrupt file fails here), keeping
    its first and last bytes and which of ``needles`` occur as JSON strings in it."""
    wanted = [json.dumps(n).encode() for n in needles]
    overlap = max((len(w) for w in wanted), default=1)
    found: set[str] = set()
    head = b""
    prev = b""
    with gzip.open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            if not head:
                head = chunk[:64]
            window = prev[-overlap:] + chunk
            found.update(n for n, w in zip(needles, wanted, strict=True) if w in window)
            prev = chunk
    return Unpacked(head=head, tail=prev[-64:], text_hits=frozenset(found))


def test_every_program_has_a_series_and_an_expectation() -> None:
    series = program_series()
    assert series, "no sample programs"
    assert sorted(EXPECTED) == series
    for name in series:
        assert (SAMPLES / name).is_dir(), name


@pytest.mark.parametrize("series", program_series())
def test_series_has_three_gzipped_snapshots_and_no_raw_leftovers(series: str) -> None:
    files = sorted(p.name for p in (SAMPLES / series).iterdir())
    assert files == [f"{series}-{i}.heapsnapshot.gz" for i in PHASES]


@pytest.mark.parametrize("series", program_series())
def test_each_snapshot_gunzips_to_a_whole_v8_snapshot(series: str) -> None:
    hint = EXPECTED[series]["holder_hint"]
    needles = (hint,) if hint else ()
    for i in PHASES:
        path = SAMPLES / series / f"{series}-{i}.heapsnapshot.gz"
        assert path.read_bytes()[8] == GZIP_XFL_MAX_COMPRESSION, f"{path.name}: not gzip -9"
        got = unpack(path, needles)
        assert got.head.startswith(b'{"snapshot":'), path.name
        assert got.tail.rstrip().endswith(b"]}"), path.name  # strings array closes the JSON
        # The leaking collection is reachable from the first snapshot on, so its name is there.
        assert set(needles) <= got.text_hits, f"{path.name}: holder {hint!r} not in its strings"


def test_expectations_are_consistent() -> None:
    for series, exp in EXPECTED.items():
        assert set(exp) == {"pattern", "holder_hint", "holder_path", "item_class", "leaks"}
        if exp["leaks"]:
            assert exp["pattern"] == series
            assert exp["item_class"] and exp["holder_hint"]
            if exp["holder_path"] is not None:
                assert exp["holder_path"][-1] == exp["holder_hint"]
        else:
            assert exp["pattern"] is None and exp["item_class"] is None


def test_folder_stays_within_its_size_budget() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert total < BUDGET_BYTES, f"snapshots_sample is {total} bytes"
