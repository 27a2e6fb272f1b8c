"""The Retainers view lists a node's retainers in DevTools' order (nearest to a root first,
then by name), weak edges and the root left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaktui.snapshot import load_snapshot

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = GOLDEN.parents[1]


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.retainers.json")),
                         ids=lambda p: p.name.removesuffix(".retainers.json"))
def test_retainers_are_listed_in_devtools_order(golden: Path) -> None:
    gold = json.loads(golden.read_text())
    snap = load_snapshot(str(ROOT / gold["file"]))
    assert len(gold["retainers"]) > 20
    for node_id, expected in gold["retainers"].items():
        ordinal = snap.ordinal_of_id(int(node_id))
        assert ordinal is not None
        mine = [[snap.edge_name_text(e), int(snap.node_id[src])]
                for e, src in snap.retainers(ordinal)[: len(expected)]]
        assert mine == expected, f"@{node_id}"
