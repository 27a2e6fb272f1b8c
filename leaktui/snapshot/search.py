"""Search the heap: objects whose class, name, string value or property name holds a text.

"Is this user id / token / URL still in memory, and who holds it": the string table is
deduplicated, so it is searched once (raw bytes, nothing decoded but strings with JSON escapes
or, for a regex, non-ASCII bytes); the matching string indexes then become objects with numpy:
nodes whose name is a match (a string's name is its value), nodes with a property or variable
(`context`) edge named by a match, and every instance of a class whose name matches.
Concatenated strings (a URL or token built with `+` or a template literal) are matched on their
joined text as DevTools shows it (first 1024 characters), read once per snapshot.

A query is plain text (case-sensitive substring) or, with the `re:` prefix, a Python regular
expression (`re:(?i)bearer [a-z0-9]+`). Results are ordered by retained size, largest first,
and read a page at a time.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from threading import Lock

import numpy as np

from leaktui.snapshot.duplicates import concatenated_texts
from leaktui.snapshot.graph import HeapSnapshot

REGEX_PREFIX = "re:"

# Why an object matched (bits; an object can match several ways).
CLASS = 1
NAME = 2
VALUE = 4
PROPERTY = 8
KIND_NAMES = {CLASS: "class", NAME: "name", VALUE: "value", PROPERTY: "property"}

_NEWLINE_FOR_QUOTE = bytes.maketrans(b'"', b"\n")
_CACHED_QUERIES = 16


class SearchError(ValueError):
    """A query that cannot run (empty, or a regex that does not compile)."""


@dataclass(frozen=True)
class Query:
    text: str
    regex: bool

    @classmethod
    def parse(cls, raw: str) -> Query:
        """`re:PATTERN` is a regex; anything else is plain text."""
        if raw.startswith(REGEX_PREFIX):
            query = cls(raw[len(REGEX_PREFIX):], True)
        else:
            query = cls(raw, False)
        if not query.text:
            raise SearchError("nothing to search for")
        if query.regex:
            try:
                re.compile(query.text)
            except re.error as exc:
                raise SearchError(f"bad regex {query.text!r}: {exc}") from None
        return query

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.text if self.regex else re.escape(self.text))

    def matches(self, text: str) -> bool:
        if not self.regex:
            return self.text in text
        return self.pattern.search(text) is not None

    def __str__(self) -> str:
        return (REGEX_PREFIX if self.regex else "") + self.text


@dataclass(frozen=True)
class FoundObject:
    node: int
    id: int
    class_name: str
    name: str
    retained_size: int
    kinds: tuple[str, ...]  # how it matched: "class", "name", "value", "property"
    matched: str  # the matching text (the value, name, class or property name)

    def to_json(self, path: list[str]) -> dict[str, object]:
        return {"id": self.id, "class": self.class_name, "name": self.name,
                "retained_size": self.retained_size, "path": path,
                "match": list(self.kinds)}


class SearchResult:
    """Every object a query matched, largest retained size first."""

    def __init__(self, snap: HeapSnapshot, query: Query, nodes: np.ndarray,
                 kinds: np.ndarray, strings_matched: int) -> None:
        self.snap = snap
        self.query = query
        self.nodes = nodes  # ordinals, sorted
        self.kinds = kinds  # bits per entry of nodes
        self.strings_matched = strings_matched

    @property
    def total(self) -> int:
        return int(self.nodes.shape[0])

    @cached_property
    def counts(self) -> dict[str, int]:
        """Objects per way of matching (an object may count under several)."""
        return {name: int(np.count_nonzero(self.kinds & bit)) for bit, name in KIND_NAMES.items()}

    def page(self, start: int, count: int) -> list[FoundObject]:
        end = min(self.total, start + count)
        return [self.describe(i) for i in range(max(0, start), end)]

    def position_of(self, node: int) -> int | None:
        hits = np.flatnonzero(self.nodes == node)
        return int(hits[0]) if hits.shape[0] else None

    def describe(self, i: int) -> FoundObject:
        snap = self.snap
        node = int(self.nodes[i])
        bits = int(self.kinds[i])
        kinds = tuple(name for bit, name in KIND_NAMES.items() if bits & bit)
        name = snap.name(node)
        if bits & VALUE and int(snap.node_type[node]) == snap.T_CONS:
            matched = name  # the joined parts
        elif bits & (VALUE | NAME):
            matched = snap.strings[int(snap.node_name[node])]
        elif bits & PROPERTY:
            matched = self._matching_edge_name(node)
        else:
            matched = snap.class_name(node)
        return FoundObject(node, int(snap.node_id[node]), snap.class_name(node), name,
                           int(snap.retained_size[node]), kinds, matched)

    def _matching_edge_name(self, node: int) -> str:
        snap = self.snap
        for e in snap.edges(node):
            if int(snap.edge_type[e]) in (snap.E_PROPERTY, snap.E_CONTEXT, snap.E_SHORTCUT):
                text = snap.strings[int(snap.edge_name[e])]
                if self.query.matches(text):
                    return text
        return ""


def matching_strings(snap: HeapSnapshot, query: Query) -> np.ndarray:
    """Indexes (sorted) of the snapshot's strings that hold ``query``."""
    raw, starts, ends, escaped = snap.strings.raw_spans()
    n = int(starts.shape[0])
    if not n:
        return np.zeros(0, dtype=np.int64)
    if not query.regex:
        # Raw bytes equal the text's UTF-8 wherever a string has no escapes.
        hits = snap.strings.indexes_containing(query.text, ~escaped)
        slow = np.flatnonzero(escaped)
    else:
        hits, slow = _regex_scan(raw, starts, ends, escaped, query)
    extra = [i for i in slow.tolist() if query.matches(snap.strings[i])]
    out = np.concatenate([np.asarray(hits, dtype=np.int64), np.asarray(extra, dtype=np.int64)])
    return np.unique(out)


def _regex_scan(raw: bytes, starts: np.ndarray, ends: np.ndarray, escaped: np.ndarray,
                query: Query) -> tuple[np.ndarray, np.ndarray]:
    """(hits among the plain ASCII strings, strings left to check decoded). The raw bytes are
    copied with every quote turned into a newline, so each plain string is one line and `^`,
    `$` and `.` keep to it (MULTILINE)."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    wide = np.flatnonzero(buf >= 0x80)
    non_ascii = np.zeros(starts.shape[0], dtype=np.bool_)
    if wide.shape[0]:
        owner = np.searchsorted(starts, wide, side="right") - 1
        owner = owner[(owner >= 0) & (wide < ends[np.maximum(owner, 0)])]
        non_ascii[owner] = True
    slow = escaped | non_ascii
    try:
        pattern = re.compile(query.text.encode("utf-8"), re.MULTILINE)
    except (re.error, UnicodeEncodeError):  # e.g. str-only flags: check every string decoded
        return np.zeros(0, dtype=np.int64), np.arange(starts.shape[0])
    lines = raw.translate(_NEWLINE_FOR_QUOTE)
    found: list[int] = []
    n = int(starts.shape[0])
    pos = int(starts[0])
    search = pattern.search
    start_list = starts
    while True:
        m = search(lines, pos)
        if m is None:
            break
        s = m.start()
        idx = int(np.searchsorted(start_list, s, side="right")) - 1
        if idx < 0:
            pos = int(starts[0])
            continue
        end = int(ends[idx])
        if s > end:  # between two strings
            if idx + 1 >= n:
                break
            pos = int(starts[idx + 1])
            continue
        if not slow[idx] and (m.end() <= end or search(lines, int(starts[idx]), end)):
            found.append(idx)
        pos = end + 1
        if pos >= len(lines):
            break
    return np.asarray(found, dtype=np.int64), np.flatnonzero(slow)


class HeapSearch:
    """Searches one snapshot; the last queries' results are kept (asking again is instant).
    Thread-safe: the TUI runs it in a worker."""

    def __init__(self, snap: HeapSnapshot) -> None:
        self.snap = snap
        self._cache: OrderedDict[Query, SearchResult] = OrderedDict()
        self._lock = Lock()

    @cached_property
    def _class_names(self) -> list[str]:
        return [str(c) for c in self.snap.class_names]

    @cached_property
    def _concatenated(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Concatenated strings (ordinals), their text ids and the distinct texts: a cons
        string's name is "(concatenated string)", its text is in its parts (a URL or token
        built with `+` or a template often stays one)."""
        cons = np.flatnonzero(self.snap.node_type == self.snap.T_CONS)
        text_id, texts = concatenated_texts(self.snap, cons)
        return cons, text_id, texts

    def prepare(self) -> None:
        """What every query needs, made once (the TUI calls it in a worker at load): the
        class names and the texts of the concatenated strings."""
        _ = self._class_names
        _ = self._concatenated

    def cached(self, text: str) -> SearchResult | None:
        try:
            query = Query.parse(text)
        except SearchError:
            return None
        with self._lock:
            return self._cache.get(query)

    def find(self, text: str) -> SearchResult:
        query = Query.parse(text)
        with self._lock:
            hit = self._cache.get(query)
            if hit is not None:
                self._cache.move_to_end(query)
                return hit
        result = self._run(query)
        with self._lock:
            self._cache[query] = result
            while len(self._cache) > _CACHED_QUERIES:
                self._cache.popitem(last=False)
        return result

    def _run(self, query: Query) -> SearchResult:
        snap = self.snap
        strings = matching_strings(snap, query)
        mask = np.zeros(len(snap.strings), dtype=np.bool_)
        mask[strings] = True
        bits = np.zeros(snap.node_count, dtype=np.uint8)
        # Names: a string's name is its value.
        named = np.flatnonzero(mask[snap.node_name])
        is_value = np.isin(snap.node_type[named], [snap.T_STRING, snap.T_SLICED])
        bits[named[is_value]] |= VALUE
        bits[named[~is_value]] |= NAME
        # Concatenated strings, by their joined text (DevTools': the first 1024 characters).
        cons, text_id, texts = self._concatenated
        if texts:
            hit = np.fromiter((query.matches(t) for t in texts), dtype=np.bool_,
                              count=len(texts))
            bits[cons[hit[text_id]]] |= VALUE
        # Property and variable names: the objects that have them.
        if strings.shape[0]:
            # Element and hidden edges are named by an index, which may pass the string
            # table's end: those read a clipped slot here and are dropped by their type.
            edges = np.flatnonzero(mask.take(snap.edge_name, mode="clip"))
            et = snap.edge_type[edges]
            edges = edges[(et == snap.E_PROPERTY) | (et == snap.E_CONTEXT)
                          | (et == snap.E_SHORTCUT)]
            if edges.shape[0]:
                bits[np.unique(snap.edge_sources(edges))] |= PROPERTY
        # Classes (a few thousand names, checked one by one).
        classes = np.fromiter((query.matches(c) for c in self._class_names), dtype=np.bool_,
                              count=len(self._class_names))
        if classes.any():
            bits[classes[snap.class_id]] |= CLASS
        nodes = np.flatnonzero(bits)
        order = np.lexsort((nodes, -snap.retained_size[nodes].astype(np.int64)))
        nodes = nodes[order]
        return SearchResult(snap, query, nodes, bits[nodes], int(strings.shape[0]))


def find_objects(snap: HeapSnapshot, text: str) -> SearchResult:
    """One query on ``snap`` (see HeapSearch for repeated ones)."""
    return HeapSearch(snap).find(text)
