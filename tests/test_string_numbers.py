"""StringTable.decimal_values: the number an edge name such as "259" stands for, read from the
raw bytes (what Map/Set slot decoding uses), the same as decoding each text would give."""

from __future__ import annotations

import json

import numpy as np

from leaktui.snapshot.strings import StringTable

TEXTS = ["259", "0", "007", "", "abc", "12a", "a12", "-3", "1.5", " 7", "²", "٣٤",
         "123456789012345678", "1234567890123456789", "9" * 40, "x\u00e9", "4/2"]


def _table(texts: list[str], ensure_ascii: bool) -> StringTable:
    return StringTable(json.dumps(texts, ensure_ascii=ensure_ascii).encode())


def test_decimal_values_equal_decoding_each_text() -> None:
    for ensure_ascii in (False, True):  # raw UTF-8, and \\u escapes for every non-ASCII char
        table = _table(TEXTS, ensure_ascii)
        got = table.decimal_values(np.arange(len(TEXTS))).tolist()
        want = [int(t) if t.isdecimal() and int(t) < 1 << 63 else -1 for t in TEXTS]
        assert got == want
    assert want[:3] == [259, 0, 7] and want[11] == 34  # Arabic-Indic digits are decimal too


def test_decimal_values_follow_the_indexes_given() -> None:
    table = _table(TEXTS, False)
    assert table.decimal_values(np.asarray([2, 0, 2, 4])).tolist() == [7, 259, 7, -1]
    assert table.decimal_values(np.zeros(0, dtype=np.int64)).tolist() == []
