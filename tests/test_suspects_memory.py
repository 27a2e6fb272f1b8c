"""What the leak-suspect scan leaves in a snapshot: node-sized results no later step reads are
let go (they add to the peaks of what follows: the grown sizes, the duplicated strings)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import load_snapshot
from leaktui.snapshot.growth import ELEMENT_COUNTS, element_counts, growing_holders
from leaktui.suspects import find_suspects

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted(str(p) for p in (ROOT / "snapshots_sample" / "unbounded-cache").glob("*.gz"))


def _kept(snap: object) -> dict[str, object]:
    return vars(snap).get("_analysis_cache", {})


def test_suspects_of_one_snapshot_let_go_of_the_element_counts() -> None:
    snap = load_snapshot(SERIES[-1])
    assert find_suspects([snap])
    assert ELEMENT_COUNTS not in _kept(snap)
    fresh = load_snapshot(SERIES[-1])
    assert np.array_equal(element_counts(snap), element_counts(fresh))  # computed again


def test_suspects_of_a_series_keep_the_element_counts_for_the_growing_holders() -> None:
    snaps = [load_snapshot(p) for p in SERIES]
    assert find_suspects(snaps)
    assert ELEMENT_COUNTS in _kept(snaps[-1])
    assert growing_holders(snaps)


def test_what_is_found_beside_the_detectors_changes_no_suspect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktui.suspects as suspects

    for pattern in ("unbounded-cache", "closure-capture"):
        paths = sorted(str(p) for p in (ROOT / "snapshots_sample" / pattern).glob("*.gz"))
        beside = find_suspects([load_snapshot(p) for p in paths])
        last = load_snapshot(paths[-1])
        suspects._found_beside(last)
        assert {"suspect_chains", "suspect_scopes", "suspect_closures"} <= set(_kept(last))
        monkeypatch.setattr(suspects, "DOMINATORS_BESIDE_NODES", 0)  # the chains alone
        alone = find_suspects([load_snapshot(p) for p in paths])
        monkeypatch.undo()
        assert beside and [s.to_json() for s in beside] == [s.to_json() for s in alone]
