"""The benchmark's giant-snapshot maker (benchmarks/make_giant_snapshot.py) replicates a real
snapshot's graph under one root without changing any object's numbers, so figures measured on
the giant file are figures of a real heap, only bigger."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from leaktui.snapshot import load_snapshot

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "snapshots_sample" / "closure-capture" / "closure-capture-1.heapsnapshot.gz"


def test_every_copy_of_every_object_keeps_its_class_size_retained_size_and_distance(
        tmp_path: Path) -> None:
    copies = 3
    out = tmp_path / "giant.heapsnapshot"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_giant_snapshot.py"),
                    str(SAMPLE), str(out), str(copies)], check=True, capture_output=True)
    one, giant = load_snapshot(str(SAMPLE)), load_snapshot(str(out))
    n = one.node_count
    assert giant.node_count == 1 + copies * (n - 1)
    assert giant.edge_count == copies * one.edge_count
    assert giant.total_size == copies * one.total_size
    names = np.array(one.class_names, dtype=object)
    giant_names = np.array(giant.class_names, dtype=object)
    for k in range(copies):
        rows = slice(1 + k * (n - 1), 1 + (k + 1) * (n - 1))
        assert np.array_equal(giant.self_size[rows], one.self_size[1:n])
        assert np.array_equal(giant.retained_size[rows], one.retained_size[1:n])
        assert np.array_equal(giant.distance[rows], one.distance[1:n])
        assert np.array_equal(giant_names[giant.class_id[rows]], names[one.class_id[1:n]])
    ids = giant.node_id[1:].astype(np.int64)
    assert len(np.unique(ids)) == len(ids), "ids repeat across copies"
    assert np.array_equal(ids % 2, np.tile(one.node_id[1:n].astype(np.int64) % 2, copies))
