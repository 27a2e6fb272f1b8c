"""Leak suspects: the right pattern first, with the right holder, on our own leak programs
(the bundled sample series and other shapes written at test time); controls raise nothing
`high`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import node_binary

from leaktui.snapshot import load_snapshot
from leaktui.suspects import PATTERNS, find_suspects, format_suspect_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "snapshots_sample"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
SHAPES = ROOT / "tests" / "programs" / "suspects" / "shapes.js"


def load_series(paths: list[Path]) -> list:  # type: ignore[type-arg]
    return [load_snapshot(str(p)) for p in sorted(paths)]


@pytest.mark.parametrize("series", sorted(EXPECTED))
def test_sample_series_top_suspect_has_the_expected_pattern_and_holder(series: str) -> None:
    expected = EXPECTED[series]
    suspects = find_suspects(load_series(list((SAMPLES / series).glob("*.heapsnapshot.gz"))))
    if not expected["leaks"]:
        assert not [s for s in suspects if s.severity == "high"], [s.title for s in suspects]
        return
    top = suspects[0]
    assert top.pattern == expected["pattern"], [(s.pattern, s.title) for s in suspects[:3]]
    assert top.severity == "high"
    assert top.item_class == expected["item_class"]
    if expected["holder_path"] is not None:
        assert top.holder_path == expected["holder_path"]
    assert top.item_counts[0] < top.item_counts[1] < top.item_counts[2]


@pytest.mark.parametrize("series", [s for s in sorted(EXPECTED) if EXPECTED[s]["leaks"]])
def test_one_snapshot_alone_still_names_the_leak_without_claiming_high_growth(
    series: str,
) -> None:
    last = sorted((SAMPLES / series).glob("*.heapsnapshot.gz"))[-1]
    suspects = find_suspects([load_snapshot(str(last))])
    assert suspects and suspects[0].pattern == EXPECTED[series]["pattern"]
    if EXPECTED[series]["pattern"] != "listener-leak":  # thousands of listeners: high on sight
        assert suspects[0].severity == "medium"


SHAPE_EXPECTATIONS = {
    "object-cache": ("unbounded-cache", ["state", "accounts"]),
    "token-set": ("high-cardinality-key", ["auth", "seenTokens"]),
    "process-listeners": ("listener-leak", None),
    "subclass-emitter": ("listener-leak", ["notifications", "_events", "mail"]),
    "bound-intervals": ("timer-leak", None),
    "client-requests": ("per-request-retention", ["telemetry", "sent"]),
    "callback-map": ("closure-capture", ["hooks", "callbacks"]),
    "control": (None, None),
}


@pytest.fixture(scope="session")
def shapes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import subprocess

    out = tmp_path_factory.mktemp("shapes")
    for shape in SHAPE_EXPECTATIONS:
        subprocess.run([node_binary(), "--expose-gc", "--no-warnings", str(SHAPES), shape,
                        str(out)], check=True, timeout=120, capture_output=True)
    return out


@pytest.mark.parametrize("shape", sorted(SHAPE_EXPECTATIONS))
def test_other_leak_shapes_are_named_after_their_pattern(shape: str, shapes_dir: Path) -> None:
    pattern, holder_path = SHAPE_EXPECTATIONS[shape]
    suspects = find_suspects(load_series(list(shapes_dir.glob(f"{shape}-*.heapsnapshot"))))
    if pattern is None:
        assert not [s for s in suspects if s.severity in ("high", "medium")], \
            [s.title for s in suspects]
        return
    assert suspects, f"nothing found for {shape}"
    top = suspects[0]
    assert top.pattern == pattern, [(s.pattern, s.title) for s in suspects[:3]]
    assert top.severity == "high"
    if holder_path is not None:
        assert top.holder_path == holder_path


def test_suspect_json_has_the_report_shape_and_text_reads_well() -> None:
    suspects = find_suspects(load_series(list((SAMPLES / "unbounded-cache").glob("*.gz"))))
    data = suspects[0].to_json()
    assert set(data) == {"pattern", "severity", "score", "title", "holder", "items", "retains",
                         "retained_size", "evidence", "advice"}
    assert data["pattern"] in PATTERNS
    assert set(data["holder"]) == {"id", "class", "path"}  # type: ignore[arg-type]
    assert set(data["items"]) == {"class", "count", "counts"}  # type: ignore[arg-type]
    assert data["retains"] and {"class", "count", "retained_size"} <= set(data["retains"][0])
    text = "\n".join(format_suspect_text(suspects[0]))
    assert "services.profiles.userCache" in text and "fix:" in text
