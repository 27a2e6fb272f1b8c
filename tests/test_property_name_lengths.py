"""Interface naming reads the UTF-16 length of each formatted property name (DevTools cuts
`{a, b, ...}` names at 120 characters): plain ASCII names are measured by a compiled pass over
the raw strings, the others decoded. Both must give what decoding and formatting every name
gives, and find "__proto__" (which interfaces leave out)."""

from __future__ import annotations

import json

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot.strings import StringTable

NAMES = ["x", "", "__proto__", "a,b", "it's", 'say "hi"', "{", "}", "tab\there", "new\nline",
         "caf\u00e9", "\U0001f600", "\u65e5\u672c", "back\\slash", "slash/ok", "__proto_",
         "__proto__x", "very_long_" * 20, "\x7f", "~!@#$%^&*()",
         "a,\U0001f600", "{\x01\x1f}", "'\\\b\f\r", "\u2028,"]


def _slow(strings: list[str]) -> tuple[list[int], int]:
    """Format each name (JSON-quoted when it holds , ' " { }) and count its UTF-16 units."""
    lengths = [len(cls.format_property_name(t).encode("utf-16-le")) // 2 for t in strings]
    return lengths, strings.index("__proto__")


def test_formatted_lengths_from_raw_strings_equal_decoding_every_name() -> None:
    want, want_proto = _slow(NAMES)
    names = np.arange(len(NAMES), dtype=np.int64)
    for ensure_ascii in (False, True):  # raw UTF-8, and \\u escapes for every non-ASCII char
        table = StringTable(json.dumps(NAMES, ensure_ascii=ensure_ascii).encode())
        lengths, proto = cls._formatted_lengths(table, names)
        assert lengths[:len(NAMES)].tolist() == want
        assert proto == want_proto
        from_list, list_proto = cls._formatted_lengths(list(NAMES), names)
        assert from_list.tolist() == lengths.tolist() and list_proto == proto


def test_formatted_lengths_measure_only_the_names_asked_for() -> None:
    table = StringTable(json.dumps(NAMES).encode())
    lengths, proto = cls._formatted_lengths(table, np.asarray([0, 3, 11], dtype=np.int64))
    want, _ = _slow(NAMES)
    assert proto == -1
    assert {i: v for i, v in enumerate(lengths.tolist()) if v} == {0: want[0], 3: want[3],
                                                                   11: want[11]}
    assert table.plain_name_lengths(np.asarray([0, 3, 11, 2])).tolist() == [1, -1, -1, 9]
