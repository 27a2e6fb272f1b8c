"""The snapshot's string table, kept as the raw JSON bytes plus offsets and decoded on demand.

A large snapshot holds millions of strings; a Python `str` each would cost ~60 bytes of
overhead apiece and a full decode up front. Here one JIT pass records where each string literal
starts and ends; `table[i]` decodes one string when asked. Lone UTF-16 surrogates (V8 writes them
as `\\udXXX` escapes, e.g. where a name was cut at 1024 characters) decode as Python does, so a
real heap never fails to load because of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import msgspec
import numba
import numpy as np

_OK = 0


@numba.njit(cache=True, nogil=True)
def _string_spans(buf: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, int]:
    """Spans of the string literals of a JSON array of strings.
    Returns (status, starts, ends, has_escape, position of a problem); status 0 is ok."""
    n = buf.shape[0]
    quotes = 0
    for j in range(n):  # an upper bound on the number of strings: two quotes each
        if buf[j] == 34:
            quotes += 1
    cap = quotes // 2 + 1
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    escaped = np.zeros(cap, dtype=np.bool_)
    count = 0
    i = 0
    while i < n and (buf[i] == 32 or buf[i] == 10 or buf[i] == 13 or buf[i] == 9):
        i += 1
    if i >= n or buf[i] != 91:  # [
        return 1, starts[:0], ends[:0], escaped[:0], i
    i += 1
    expect_value = True
    while i < n:
        c = buf[i]
        if c == 32 or c == 10 or c == 13 or c == 9:
            i += 1
            continue
        if c == 93 and (not expect_value or count == 0):  # ]
            return _OK, starts[:count], ends[:count], escaped[:count], i
        if c == 44 and not expect_value:  # ,
            expect_value = True
            i += 1
            continue
        if c != 34 or not expect_value:  # "
            return 2, starts[:0], ends[:0], escaped[:0], i
        i += 1
        start = i
        esc = False
        while i < n and buf[i] != 34:
            if buf[i] == 92:
                esc = True
                i += 1
            elif buf[i] < 32:
                return 3, starts[:0], ends[:0], escaped[:0], i
            i += 1
        if i >= n:
            return 4, starts[:0], ends[:0], escaped[:0], i
        starts[count] = start
        ends[count] = i
        escaped[count] = esc
        count += 1
        i += 1
        expect_value = False
    return 4, starts[:0], ends[:0], escaped[:0], i


@numba.njit(cache=True, nogil=True)
def _find_containing(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                     candidates: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Indexes among ``candidates`` (a mask) whose raw bytes contain ``pattern``."""
    m = pattern.shape[0]
    out = np.empty(starts.shape[0], dtype=np.int64)
    k = 0
    for i in range(starts.shape[0]):
        if not candidates[i]:
            continue
        s = starts[i]
        last = ends[i] - m
        j = s
        while j <= last:
            if buf[j] == pattern[0]:
                same = True
                for q in range(1, m):
                    if buf[j + q] != pattern[q]:
                        same = False
                        break
                if same:
                    out[k] = i
                    k += 1
                    break
            j += 1
    return out[:k]


@numba.njit(cache=True, nogil=True)
def _find_prefixed(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                   candidates: np.ndarray, pattern: np.ndarray, exact: bool) -> np.ndarray:
    """Indexes among ``candidates`` whose raw bytes start with (or, if ``exact``, equal)
    ``pattern``."""
    m = pattern.shape[0]
    out = np.empty(starts.shape[0], dtype=np.int64)
    k = 0
    for i in range(min(starts.shape[0], candidates.shape[0])):
        length = ends[i] - starts[i]
        if not candidates[i] or length < m or (exact and length != m):
            continue
        same = True
        for q in range(m):
            if buf[starts[i] + q] != pattern[q]:
                same = False
                break
        if same:
            out[k] = i
            k += 1
    return out[:k]


_PROBLEMS = {
    1: "strings is not an array",
    2: "strings holds something other than strings",
    3: "a string holds a raw control character",
    4: "strings ends early (truncated)",
}


class StringTable(Sequence[str]):
    """Sequence-like access to the snapshot's strings (index -> str), decoded lazily."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._buf = np.frombuffer(raw, dtype=np.uint8)
        status, self._starts, self._ends, self._escaped, where = _string_spans(self._buf)
        if status != _OK:
            raise ValueError(f"{_PROBLEMS.get(status, 'bad strings section')} "
                             f"(byte {where:,} of the strings section)")
        self._cache: dict[int, str] = {}
        self._all = np.ones(self._starts.shape[0], dtype=np.bool_)

    def __len__(self) -> int:
        return int(self._starts.shape[0])

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        index = int(index)
        if index < 0:
            index += len(self)
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        piece = self._raw[int(self._starts[index]):int(self._ends[index])]
        if not self._escaped[index]:
            text = piece.decode("utf-8", "replace")
        else:
            quoted = b'"' + piece + b'"'
            try:
                text = msgspec.json.decode(quoted, type=str)
            except msgspec.DecodeError:
                text = json.loads(quoted)  # lone surrogates: kept as Python keeps them
        if len(self._cache) < 200_000:
            self._cache[index] = text
        return text

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def indexes_of(self, texts: Iterable[str]) -> dict[str, list[int]]:
        """Every index holding each of ``texts`` (exact match), without decoding the table."""
        found: dict[str, list[int]] = {}
        for text in texts:
            encoded = json.dumps(text, ensure_ascii=True)[1:-1].encode()
            target = np.frombuffer(encoded, dtype=np.uint8)
            hits = _find_prefixed(self._buf, self._starts, self._ends, self._all, target,
                                  True).tolist()
            if "/" in text:  # JSON may or may not escape the slash
                alt = np.frombuffer(encoded.replace(b"/", b"\\/"), dtype=np.uint8)
                hits += _find_prefixed(self._buf, self._starts, self._ends, self._all, alt,
                                       True).tolist()
            if b"\\" in encoded:  # escapes may be spelled differently: compare decoded
                hits += [i for i in np.flatnonzero(self._escaped).tolist() if self[i] == text]
            found[text] = sorted(set(hits))
        return found

    def indexes_containing(self, text: str, candidates: np.ndarray) -> np.ndarray:
        """Indexes among ``candidates`` (bool mask over the table) whose text contains
        ``text`` (plain ASCII without JSON escapes)."""
        pattern = np.frombuffer(text.encode(), dtype=np.uint8)
        return _find_containing(self._buf, self._starts, self._ends, candidates, pattern)

    def indexes_starting_with(self, prefix: str, candidates: np.ndarray) -> np.ndarray:
        """Indexes among ``candidates`` (bool mask) whose raw text starts with ``prefix``."""
        pattern = np.frombuffer(prefix.encode(), dtype=np.uint8)
        return _find_prefixed(self._buf, self._starts, self._ends, candidates, pattern, False)

    def index(self, text: str, start: int = 0, stop: int | None = None) -> int:
        end = len(self) if stop is None else stop
        hits = [i for i in self.indexes_of([text])[text] if start <= i < end]
        if not hits:
            raise ValueError(f"{text!r} is not in the string table")
        return hits[0]

    def raw_spans(self) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
        """(the raw JSON bytes, start and end offset of each string's text in them, whether
        it holds escapes): for scans of the whole table (search) that decode nothing."""
        return self._raw, self._starts, self._ends, self._escaped

    @property
    def nbytes(self) -> int:
        return len(self._raw) + self._starts.nbytes + self._ends.nbytes + self._escaped.nbytes
