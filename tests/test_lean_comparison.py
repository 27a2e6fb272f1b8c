"""A comparison whose base is kept lean (ids, classes and sizes, no graph) gives DevTools'
Comparison rows, and the series order and survivors read from lean older snapshots equal those
of fully analysed ones."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from conftest import comparison_keyed

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot.diff import compare, compare_detailed
from leaktui.snapshot.growth import survivors
from leaktui.snapshot.lean import LeanSnapshot, load_lean
from leaktui.snapshot.series import order_series

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
DIFFS = sorted(GOLDEN.glob("*.diff-*.json"))
SERIES = ROOT / "snapshots_sample" / "unbounded-cache"


@lru_cache(maxsize=8)
def full(rel: str) -> HeapSnapshot:
    return load_snapshot(str(ROOT / rel))


@lru_cache(maxsize=32)
def lean(rel: str) -> LeanSnapshot:
    return load_lean(str(ROOT / rel))


def series_paths() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in sorted(SERIES.glob("*.heapsnapshot*"))]


@pytest.mark.parametrize("golden", DIFFS, ids=lambda p: p.name.removesuffix(".json"))
def test_comparison_from_a_lean_base_equals_devtools(golden: Path) -> None:
    gold = json.loads(golden.read_text())
    rows = compare(lean(gold["base"]), full(gold["target"]))
    mine, theirs = comparison_keyed(rows, gold)
    assert mine == theirs


def test_lean_load_and_lean_part_of_an_analysed_snapshot_compare_like_the_full_base() -> None:
    base, target = series_paths()[0], series_paths()[-1]
    rows, new, deleted = compare_detailed(full(base), full(target))
    for lean_base in (lean(base), LeanSnapshot.of(full(base))):
        rows2, new2, deleted2 = compare_detailed(lean_base, full(target))
        assert rows2 == rows
        assert new2.keys() == new.keys() and deleted2.keys() == deleted.keys()
        for key in new:
            np.testing.assert_array_equal(new2[key], new[key])
        for key in deleted:
            np.testing.assert_array_equal(deleted2[key], deleted[key])


def test_a_lean_snapshot_keeps_the_classes_sizes_and_ids_of_the_analysed_one() -> None:
    rel = series_paths()[0]
    snap, part = full(rel), lean(rel)
    assert (part.node_count, part.max_js_object_id) == (snap.node_count, snap.max_js_object_id)
    np.testing.assert_array_equal(part.node_id, snap.node_id)
    np.testing.assert_array_equal(part.self_size, snap.self_size)  # folded, as DevTools
    np.testing.assert_array_equal(part.class_id, snap.class_id)
    assert part.class_names == snap.class_names and part.class_keys == snap.class_keys
    ids = snap.node_id[::7].astype(np.int64)
    np.testing.assert_array_equal(part.ordinals_of_ids(ids), snap.ordinals_of_ids(ids))
    arrays = sum(v.nbytes for v in vars(snap).values() if isinstance(v, np.ndarray))
    assert part.nbytes < arrays / 3, (part.nbytes, arrays)


def test_series_order_and_survivors_read_from_lean_older_snapshots_equal_the_full_ones(
) -> None:
    paths = series_paths()
    assert len(paths) >= 3
    fulls = [full(p) for p in paths]
    mixed = [*(lean(p) for p in paths[:-1]), fulls[-1]]
    shuffled = [mixed[1], mixed[2], mixed[0]]
    a, b = order_series(fulls[::-1]), order_series(shuffled)
    assert [s.path for s in a.snaps] == [s.path for s in b.snaps] == [s.path for s in fulls]
    assert a.one_process and b.one_process
    expected = survivors(fulls)
    assert expected, "the sample series has survivors"
    assert survivors(mixed) == expected


def test_survivors_refuse_a_lean_last_snapshot() -> None:
    paths = series_paths()
    with pytest.raises(TypeError, match="last snapshot"):
        survivors([lean(p) for p in paths])


def test_a_snapshot_compared_with_itself_has_no_rows_lean_or_full() -> None:
    rel = series_paths()[0]
    assert compare(full(rel), full(rel)) == []
    assert compare(lean(rel), full(rel)) == []
