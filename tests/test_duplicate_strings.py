"""Duplicated strings equal DevTools' "Duplicated strings" groups (goldens made by
tests/golden/make_golden.py from DevTools' own code: `oracle.js SNAP --duplicate-strings`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.duplicates import find_duplicate_strings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
DUPLICATES = sorted(GOLDEN.glob("*.duplicates.json"))


@lru_cache(maxsize=4)
def snapshot(rel: str) -> HeapSnapshot:
    return load_snapshot(str(ROOT / rel))


def test_duplicate_string_goldens_exist_for_every_bundled_snapshot() -> None:
    bundled = sorted((ROOT / "snapshots_sample").glob("*/*.heapsnapshot*"))
    bundled += sorted((ROOT / "tests" / "data").glob("*.heapsnapshot*"))
    have = {json.loads(p.read_text())["file"] for p in DUPLICATES}
    missing = [str(p.relative_to(ROOT)) for p in bundled if str(p.relative_to(ROOT)) not in have]
    assert not missing, f"no duplicates golden for {missing}: run tests/golden/make_golden.py"


@pytest.mark.parametrize("golden", DUPLICATES,
                         ids=lambda p: p.name.removesuffix(".duplicates.json"))
def test_duplicate_string_groups_equal_devtools(golden: Path) -> None:
    gold = json.loads(golden.read_text())
    snap = snapshot(gold["file"])
    found = find_duplicate_strings(snap)
    mine = []
    for g in found.top():
        mine.append({"value": g.value, "count": g.count, "totalSelfSize": g.self_size,
                     "totalRetainedSize": g.retained_size, "truncated": g.truncated,
                     "length": g.length, "hash": g.hash,
                     "ids": [int(i) for i in snap.node_id[g.nodes[:10]]]})
    assert mine == gold["duplicateStrings"]
    assert found.total_count == sum(g["count"] for g in gold["duplicateStrings"])


def test_group_keys_past_2_to_the_32_take_int64_and_give_the_same_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keys are uint32 until 2^32 of them could exist; the limit lowered, the int64 kernels
    group every bundled snapshot exactly as the uint32 ones (which equal DevTools')."""
    import leaktui.snapshot.duplicates as duplicates

    narrow = {g.name: [(d.value, d.count, d.self_size, d.retained_size, d.nodes.tolist())
                       for d in find_duplicate_strings(snapshot(json.loads(
                           g.read_text())["file"])).top()] for g in DUPLICATES}
    monkeypatch.setattr(duplicates, "KEYS_32_BIT_LIMIT", 0)
    for golden in DUPLICATES:
        found = find_duplicate_strings(snapshot(json.loads(golden.read_text())["file"]))
        assert [(d.value, d.count, d.self_size, d.retained_size, d.nodes.tolist())
                for d in found.top()] == narrow[golden.name]


def test_concatenated_strings_join_the_groups_of_equal_flat_strings() -> None:
    """The bundled goldens hold groups where V8 kept some copies as concatenated strings:
    their text is rebuilt from the parts and grouped with the flat copies, as DevTools does."""
    mixed = 0
    for golden in DUPLICATES:
        gold = json.loads(golden.read_text())
        snap = snapshot(gold["file"])
        for g in find_duplicate_strings(snap).top():
            types = set(snap.node_type[g.nodes].tolist())
            if snap.T_CONS in types:
                mixed += 1
                assert all(snap.name(int(v)) == g.value for v in g.nodes)
        if mixed:
            break
    assert mixed, "no group with a concatenated string in any bundled snapshot"


def test_wasted_bytes_are_the_group_size_minus_one_copy() -> None:
    snap = snapshot("tests/data/node20-map.heapsnapshot.gz")
    for g in find_duplicate_strings(snap).top(20):
        sizes = snap.self_size[g.nodes].astype(np.int64)
        assert g.wasted == int(sizes.sum() - sizes.min())
        assert g.self_size == int(sizes.sum())


def test_hand_made_rules_concatenations_truncation_and_what_is_left_out() -> None:
    """tests/data/strings.heapsnapshot (make_strings.py): the rules one by one; the numbers
    themselves are checked against DevTools by the golden test above."""
    snap = snapshot("tests/data/strings.heapsnapshot")
    groups = {(g.value[:8], g.truncated, g.length, g.hash): g
              for g in find_duplicate_strings(snap).top()}
    types = {key: sorted(snap.type_name(int(n)) for n in g.nodes) for key, g in groups.items()}
    assert types[("beta", False, None, None)] == ["concatenated string", "string"]
    assert types[("gamma", False, None, None)] == ["concatenated string"] * 2
    assert groups[("delta", False, None, None)].count == 2  # the size-0 copy is left out
    assert groups[("epsilon", False, None, None)].count == 2  # the flattened cons is left out
    assert groups[("alpha", False, None, None)].count == 3  # the sliced copy is left out
    assert ("x" * 8, True, 5000, 123) in groups and ("x" * 8, False, None, None) in groups
    assert not any(k[0] in ("zero", "solo") or k[2] in (6000,) or k[3] == 999 for k in groups)
