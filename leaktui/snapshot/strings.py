"""The snapshot's string table, kept as the raw JSON bytes plus offsets and decoded on demand.

A large snapshot holds millions of strings; a Python `str` each would cost ~60 bytes of
overhead apiece and a full decode up front. Here one compiled pass records where each string literal
starts and ends; `table[i]` decodes one string when asked. Lone UTF-16 surrogates (V8 writes them
as `\\udXXX` escapes, e.g. where a name was cut at 1024 characters) decode as Python does, so a
real heap never fails to load because of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import msgspec
import numpy as np

from leaktui.snapshot.scan import find_containing, find_equal_any, find_prefixed, string_spans

_OK = 0

# Below this many bytes of strings, each string's start and end offsets are kept as uint32
# (8 bytes a string instead of 16: tens of MB on a 1 GB snapshot); at or above it, int64.
SPANS_32_BIT_LIMIT = 1 << 32


_PROBLEMS = {
    1: "strings is not an array",
    2: "strings holds something other than strings",
    3: "a string holds a raw control character",
    4: "strings ends early (truncated)",
}


def text_order_key(text: str) -> int:
    """`StringTable.order_keys` for one text (lone surrogates encoded in code point order)."""
    return int.from_bytes(text.encode("utf-8", "surrogatepass")[:8].ljust(8, b"\0"), "big")


class StringTable(Sequence[str]):
    """Sequence-like access to the snapshot's strings (index -> str), decoded lazily."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._buf = np.frombuffer(raw, dtype=np.uint8)
        wide = len(raw) >= SPANS_32_BIT_LIMIT
        status, self._starts, self._ends, self._escaped, where = string_spans(self._buf, wide)
        if status != _OK:
            raise ValueError(f"{_PROBLEMS.get(status, 'bad strings section')} "
                             f"(byte {where:,} of the strings section)")
        self._cache: dict[int, str] = {}

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
                import json  # here: rare, and json's import is a start-up cost

                text = json.loads(quoted)  # lone surrogates: kept as Python keeps them
        if len(self._cache) < 200_000:
            self._cache[index] = text
        return text

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def indexes_of(self, texts: Iterable[str]) -> dict[str, list[int]]:
        """Every index holding each of ``texts`` (exact match), without decoding the table:
        one compiled pass compares every string with every spelling asked for."""
        texts = list(dict.fromkeys(texts))
        owners: dict[bytes, list[str]] = {}  # JSON spelling -> the texts spelled so
        escaped: set[str] = set()  # texts JSON spells with escapes
        for text in texts:
            if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
                encoded = text.encode()  # JSON spells it as it is
            else:
                import json  # here: json's import is a start-up cost (a report needs none)

                encoded = json.dumps(text, ensure_ascii=True)[1:-1].encode()
            owners.setdefault(encoded, []).append(text)
            if b"\\" in encoded:
                escaped.add(text)
            if "/" in text:  # JSON may or may not escape the slash
                owners.setdefault(encoded.replace(b"/", b"\\/"), []).append(text)
            if not text.isascii():  # non-ASCII written as UTF-8 rather than \u escapes
                try:
                    utf8 = json.dumps(text, ensure_ascii=False)[1:-1].encode()
                except UnicodeEncodeError:  # a lone surrogate: JSON always escapes it
                    continue
                if b"\\" not in utf8:  # else only decoding finds it (escaped above)
                    owners.setdefault(utf8, []).append(text)
        spellings = list(owners)
        bounds = np.zeros(len(spellings) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in spellings], out=bounds[1:])
        patterns = np.frombuffer(b"".join(spellings), dtype=np.uint8)
        index, which = find_equal_any(self._buf, self._starts, self._ends, patterns, bounds)
        found: dict[str, list[int]] = {text: [] for text in texts}
        for i, p in zip(index.tolist(), which.tolist(), strict=True):
            for text in owners[spellings[p]]:
                found[text].append(i)
        if escaped:  # escapes may be spelled differently: compare decoded
            for i in np.flatnonzero(self._escaped).tolist():
                text = self[i]
                if text in escaped:
                    found[text].append(i)
        return {text: sorted(set(hits)) for text, hits in found.items()}

    def decimal_values(self, indexes: np.ndarray) -> np.ndarray:
        """Per string index: ``int(text)`` where ``text.isdecimal()`` (edge names such as "259"),
        else -1. Plain ASCII texts are read from the raw bytes by a compiled pass; only texts
        with escapes, non-ASCII bytes or many digits are decoded."""
        from leaktui.snapshot._textkernels import decimal_values

        indexes = np.ascontiguousarray(indexes, dtype=np.int64)
        out = decimal_values(self._buf, self._starts, self._ends,
                             self._escaped.view(np.uint8), indexes)
        for i in np.flatnonzero(out == -2).tolist():
            text = self[int(indexes[i])]
            value = int(text) if text.isdecimal() else -1
            out[i] = value if value < 1 << 63 else -1  # no slot index is that large
        return out

    def plain_name_lengths(self, indexes: np.ndarray) -> np.ndarray:
        """Per string index: the length of its raw text when that is printable ASCII without
        JSON escapes nor any of `, ' " { }` (so it is its own property name and its length
        counts UTF-16 units too), else -1 (decode it to know). A compiled pass, no decoding."""
        from leaktui.snapshot._textkernels import plain_name_lengths

        indexes = np.ascontiguousarray(indexes, dtype=np.int64)
        return plain_name_lengths(self._buf, self._starts, self._ends,
                                  self._escaped.view(np.uint8), indexes)

    def order_keys(self, indexes: np.ndarray) -> np.ndarray:
        """Per string index: its first 8 bytes of UTF-8 as a big-endian uint64 (zero-padded),
        a key that never contradicts Python's order of the texts (a < b implies key(a) <=
        key(b): UTF-8 byte order is code point order, and V8 escapes NULs). Read from the raw
        bytes with numpy gathers; only texts with JSON escapes are decoded."""
        indexes = np.asarray(indexes, dtype=np.int64)
        starts = self._starts[indexes].astype(np.int64)
        lengths = self._ends[indexes].astype(np.int64) - starts
        keys = np.zeros(indexes.size, dtype=np.uint64)
        last = max(len(self._raw) - 1, 0)
        for i in range(8):
            byte = self._buf[np.minimum(starts + i, last)].astype(np.uint64) if self._raw else \
                np.zeros(indexes.size, dtype=np.uint64)
            byte[lengths <= i] = 0
            keys |= byte << np.uint64(8 * (7 - i))
        for i in np.flatnonzero(self._escaped[indexes]).tolist():
            keys[i] = text_order_key(self[int(indexes[i])])
        return keys

    def raw_text(self, index: int) -> bytes:
        """The raw (JSON-escaped) bytes of string ``index``, not decoded."""
        return self._raw[int(self._starts[index]):int(self._ends[index])]

    def indexes_containing(self, text: str, candidates: np.ndarray) -> np.ndarray:
        """Indexes among ``candidates`` (bool mask over the table) whose text contains
        ``text`` (plain ASCII without JSON escapes)."""
        pattern = np.frombuffer(text.encode(), dtype=np.uint8)
        return find_containing(self._buf, self._starts, self._ends, candidates, pattern)

    def indexes_starting_with(self, prefix: str, candidates: np.ndarray) -> np.ndarray:
        """Indexes among ``candidates`` (bool mask) whose raw text starts with ``prefix``."""
        pattern = np.frombuffer(prefix.encode(), dtype=np.uint8)
        return find_prefixed(self._buf, self._starts, self._ends, candidates, pattern, False)

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
