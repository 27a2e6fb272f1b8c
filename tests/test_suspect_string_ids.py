"""`entries.string_ids` finds the names the detectors declared (`LOOKED_UP_TEXTS`) in one
search of a snapshot's string table, whichever is asked first; a name not declared is still
found, by a search of its own; the indexes are those of decoding the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from leaktui.snapshot import entries, load_snapshot
from leaktui.snapshot.entries import string_ids
from leaktui.snapshot.strings import StringTable
from leaktui.suspects.base import LOOKED_UP_TEXTS

SAMPLE = Path(__file__).parents[1] / "snapshots_sample" / "listener-leak" / \
    "listener-leak-1.heapsnapshot.gz"


def test_declared_names_take_one_search_and_others_one_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snap = load_snapshot(str(SAMPLE))
    searches: list[list[str]] = []
    search = StringTable.indexes_of

    def counted(self: StringTable, texts: list[str]) -> dict[str, list[int]]:
        searches.append(list(texts))
        return search(self, texts)

    monkeypatch.setattr(StringTable, "indexes_of", counted)
    decoded = list(snap.strings)
    asked = set(entries._ASKED)  # what this process asked before (other tests): found at once
    present = next(s for s in decoded if s and s not in asked)  # in the heap, never asked
    for text in (*LOOKED_UP_TEXTS, "no such name in this heap \u2603", present):
        ids = string_ids(snap, text)
        assert ids.dtype == np.int64
        assert ids.tolist() == [i for i, s in enumerate(decoded) if s == text], text
    assert len(searches) == 3, searches  # the declared names at once, then one per other
    assert set(LOOKED_UP_TEXTS) <= set(searches[0])
    assert string_ids(snap, "_events", "__proto__").tolist() == sorted(
        string_ids(snap, "_events").tolist() + string_ids(snap, "__proto__").tolist())
    assert len(searches) == 3
