"""`kernels.dominated_class_totals` (what a suspect keeps alive, by class) against a plain
model of its contract on real snapshots: each holder's dominator subtree walked depth first
in child order up to the limit, objects of a non-zero self size counted, and the retained
sizes of the outermost objects of each class (none of its class between it and the holder)
summed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import HeapSnapshot, load_snapshot
from leaktui.snapshot import kernels as k

SAMPLES = Path(__file__).resolve().parents[1] / "snapshots_sample"


def _model(snap: HeapSnapshot, holders: list[int], limit: int) -> tuple[int, dict[int, int],
                                                                         dict[int, int]]:
    first, children = snap.dominator_tree()
    counts: dict[int, int] = {}
    sizes: dict[int, int] = {}
    walked = 0
    for h in holders:
        if walked >= limit:
            break
        # (node, classes on the path above it, excluding the holder)
        stack: list[tuple[int, tuple[int, ...]]] = [
            (int(c), ()) for c in reversed(children[first[h]:first[h + 1]].tolist())]
        while stack and walked < limit:
            node, above = stack.pop()
            c = int(snap.class_id[node])
            walked += 1
            if int(snap.self_size[node]) > 0:
                counts[c] = counts.get(c, 0) + 1
                if c not in above:
                    sizes[c] = sizes.get(c, 0) + int(snap.retained_size[node])
            stack.extend((int(x), (*above, c))
                         for x in reversed(children[first[node]:first[node + 1]].tolist()))
    return walked, counts, sizes


@pytest.mark.parametrize("name", ["unbounded-cache", "closure-capture", "listener-leak"])
def test_class_totals_of_dominator_subtrees_match_the_model(name: str) -> None:
    snap = load_snapshot(str(sorted((SAMPLES / name).glob("*.gz"))[-1]))
    first, children = snap.dominator_tree()
    biggest = np.argsort(-snap.retained_size.astype(np.int64), kind="stable")[1:40].tolist()
    cases = [([h], 10**9) for h in biggest] + [(biggest[:8], 10**9), (biggest[:8], 500),
                                               ([int(snap.root)], 2000)]
    for holders, limit in cases:
        walked, counts, sizes = k.dominated_class_totals(
            first, children, snap.class_id, snap.self_size, snap.retained_size,
            np.asarray(holders, dtype=np.int64), len(snap.class_names), min(limit, 500_000))
        m_walked, m_counts, m_sizes = _model(snap, holders, min(limit, 500_000))
        assert walked == m_walked
        assert {c: int(v) for c, v in enumerate(counts.tolist()) if v} == m_counts
        assert {c: int(v) for c, v in enumerate(sizes.tolist()) if v} == \
            {c: v for c, v in m_sizes.items() if v}
