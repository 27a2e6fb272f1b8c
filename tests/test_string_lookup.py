"""StringTable.indexes_of finds every index holding each text asked for in one compiled pass
over the raw strings: the same indexes as decoding the whole table, however JSON spelled them
(a slash escaped or not, \\u escapes, repeated strings)."""

from __future__ import annotations

import json

from leaktui.snapshot.strings import StringTable

TEXTS = ["Object", "Array", "system / NativeContext", "", "Object", "elements", "caf\u00e9",
         'say "hi"', "back\\slash", "(map descriptors)", "Objects", "Obj", "a/b", "\u00e9"]


def _decoded(table: StringTable, texts: list[str]) -> dict[str, list[int]]:
    return {t: [i for i in range(len(table)) if table[i] == t] for t in texts}


def test_indexes_of_equal_decoding_the_whole_table() -> None:
    asked = ["Object", "system / NativeContext", "", "caf\u00e9", 'say "hi"', "back\\slash",
             "a/b", "missing", "Object", "\u00e9", "Obj"]
    raws = [json.dumps(TEXTS, ensure_ascii=False).encode(),
            json.dumps(TEXTS, ensure_ascii=True).encode(),
            json.dumps(TEXTS).replace("/", "\\/").encode()]  # V8-like escaped slashes
    for raw in raws:
        table = StringTable(raw)
        got = table.indexes_of(asked)
        assert got == _decoded(StringTable(raw), list(dict.fromkeys(asked)))
    assert got["Object"] == [0, 4] and got["missing"] == [] and got[""] == [3]


def test_indexes_of_nothing_is_nothing() -> None:
    assert StringTable(json.dumps(TEXTS).encode()).indexes_of([]) == {}
