"""scan_value_extent finds where a JSON value (the strings section, the header) ends: inside
strings it jumps from quote to backslash with memchr, so brackets, quotes and backslashes in
string text and a value cut anywhere across chunks must still end where JSON says."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leaktui.snapshot import scan

VALUES = [
    json.dumps(["plain", "[not a bracket]", "{nor this}", 'say "hi"', "back\\slash", "\\",
                "\\\\\"", "", "caf\u00e9 \U0001f600", "a\\\"]b", "tail\\"]),
    json.dumps({"meta": {"fields": ["a", "b"], "text": "}]\"\\"}, "n": [1, [2, [3]]]}),
    json.dumps("just \\\" a string ] }"),
    json.dumps([]),
]


def _extent_in_chunks(value: bytes, cuts: list[int]) -> tuple[int, int]:
    """Feed ``value`` + trailing bytes to the scanner chunk by chunk (state carried over, as
    the loader does); (status, offset just past the value in the whole text)."""
    text = value + b', "after": ["x"]}'
    bounds = [0, *cuts, len(text)]
    depth, in_string, escaped = 0, False, False
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        buf = np.frombuffer(text[lo:hi], dtype=np.uint8)
        status, end, depth, in_string, escaped = scan.scan_value_extent(
            buf, 0, depth, in_string, escaped)
        if status == scan.DONE:
            return status, lo + end
        assert status == scan.NEED_MORE, status
    return status, -1


@pytest.mark.parametrize("value", VALUES)
def test_value_ends_where_json_says_however_it_is_cut_into_chunks(value: str) -> None:
    raw = value.encode()
    assert _extent_in_chunks(raw, []) == (scan.DONE, len(raw))
    for cut in range(1, len(raw)):
        assert _extent_in_chunks(raw, [cut]) == (scan.DONE, len(raw)), cut
    assert _extent_in_chunks(raw, list(range(1, len(raw)))) == (scan.DONE, len(raw))


def test_unbalanced_closing_bracket_is_reported_and_open_value_needs_more() -> None:
    bad = np.frombuffer(b'["a"]]', dtype=np.uint8)
    status, end, depth, _, _ = scan.scan_value_extent(bad, 5, 0, False, False)
    assert status == scan.BAD_CHAR and end == 5 and depth == -1
    open_string = np.frombuffer(b'["a\\', dtype=np.uint8)
    status, end, depth, in_string, escaped = scan.scan_value_extent(open_string, 0, 0, False,
                                                                    False)
    assert (status, end, depth, in_string, escaped) == (scan.NEED_MORE, 4, 1, True, True)
