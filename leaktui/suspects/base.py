"""What every detector shares: the Suspect record, the series of snapshots (with id matching
and a shared scan state), the severity rule, the score, and the holder's path and what it keeps
alive."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from leaktui.snapshot import BASE_SYSTEM_DISTANCE, HeapSnapshot
from leaktui.snapshot import kernels as k
from leaktui.snapshot._sets import unique
from leaktui.snapshot.entries import expect_strings
from leaktui.snapshot.lean import AnySnapshot
from leaktui.snapshot.older import summary_of
from leaktui.snapshot.paths import (
    LABEL_STEPS,
    has_user_distance,
    naming_edges,
    path_label,
    path_names,
    path_text,
)
from leaktui.snapshot.scripts import script_names

SEVERITY_WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0}
INTERNAL_CLASSES = ("(system)", "(object shape)", "(compiled code)", "(number)", "(hidden)")
STRING_CLASSES = ("(string)", "(concatenated string)", "(sliced string)")
KEPT_SHARE = 0.5  # of the first snapshot's items still there in the last: not consumed
SIZE_MARK = "\x00size\x00"  # in a detector's title: filled in with the size that explains it
LOOKED_UP_TEXTS = (
    "_events", "__proto__", "map", "elements", "system / Oddball", "host", "user-agent",
    "content-type", "content-length", "accept", "accept-encoding", "connection",
    "transfer-encoding", "cookie", "referer", "shared", "context", "callee", "get callee",
    "set callee", "Promise", "bound_function", "bound_this", "_onTimeout", "_idleNext",
    "_repeat", "_timerArgs", "complete", "finished", "previous", "callback", "listener", "exports",
    "<symbol node:module_export>", "prototype", "table")
"""Names the detectors look up in the string table (`string_ids`): declared here so that one
search of a snapshot's table finds them all (a name missing here is still found, by a search
of its own)."""
expect_strings(*LOOKED_UP_TEXTS)


@dataclass(frozen=True, eq=False)
class Suspect:
    pattern: str
    severity: str
    title: str
    holder: int  # ordinal in the last snapshot
    holder_id: int
    holder_class: str
    holder_path: list[str]
    item_class: str
    item_count: int
    item_counts: list[int]
    retains: list[dict[str, object]]
    retained_size: int
    evidence: list[str]
    advice: str
    growth: float = 0.0  # relative growth of the items over the series (0 when unknown)
    added_bytes: int = 0  # retained bytes gained over the series (0 when unknown)
    confidence: float = 1.0  # how sure the structure is of the pattern, 0..1
    score: float = field(default=0.0)
    item_nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64),
                                   repr=False)  # the accumulating objects (or a sample)
    # Where the walk for `grown_size` starts (all items: the collection itself rather than a
    # sample of its entries); empty: from ``item_nodes``.
    reach_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64),
                                   repr=False)
    grown_size: int = 0  # bytes of new objects reachable from the items (see grown.py)
    shared_with: list[int] = field(default_factory=list)  # indices of suspects reaching them too
    shared_holders: tuple[int, ...] = ()  # the same, by holder ordinal (before ranking)
    merged: tuple[int, ...] = ()  # holders of the candidates folded into this one
    holder_path_text: str = ""  # the holder's path as written everywhere (`paths.path_text`)
    # What `retains` is measured from (the holder, or the objects it keeps that it does not
    # dominate): filled in once for all suspects by `with_retains`, which builds the dominator
    # tree once, after the detectors' temporaries are gone.
    retains_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64),
                                     repr=False)

    def scored(self, heap_size: int) -> Suspect:
        """This suspect with its score: severity first; then how much memory is at stake
        (added over the series, else held), how fast it grows and how clearly the structure
        is the pattern."""
        stake = max(self.grown_size, self.added_bytes, self.retained_size // 4, 1)
        share = min(1.0, max(self.retained_size, self.grown_size) / max(heap_size, 1))
        score = round(SEVERITY_WEIGHT[self.severity] * 10 + math.log10(stake)
                      + min(math.log2(1 + max(self.growth, 0.0)), 4.0)
                      + 2.0 * self.confidence + 3.0 * share, 3)
        return replace(self, score=score)

    def to_json(self) -> dict[str, object]:
        return {
            "pattern": self.pattern,
            "severity": self.severity,
            "score": self.score,
            "title": self.title,
            "holder": {"id": self.holder_id, "class": self.holder_class,
                       "path": self.holder_path, "path_text": self.holder_path_text},
            "items": {"class": self.item_class, "count": self.item_count,
                      "counts": self.item_counts},
            "retains": self.retains,
            "retained_size": self.retained_size,
            "grown_size": self.grown_size,
            "shared_with": self.shared_with,
            "evidence": self.evidence,
            "advice": self.advice,
        }


def defined_at(snap: HeapSnapshot, function: int) -> str:
    """`` (src/feed.js, line 13)`` for a function, or with only the script id when no closure
    names its script; "" without a location."""

    loc = snap.location(function)
    if loc is None:
        return ""
    script = script_names(snap).get(loc.script_id) or f"script {loc.script_id}"
    return f" ({script}, line {loc.line + 1})"


def short_location(snap: HeapSnapshot, function: int) -> str:
    """Where ``function`` is defined, short enough for a title: `opossum/lib/status.js:218`
    for a library's file (its path below the last node_modules/), `feed.js:13` for the
    service's own file, `node:internal/abort_controller:123` for Node's, `line 13` when no
    closure names its script; "" without a location."""
    loc = snap.location(function)
    if loc is None:
        return ""
    script = (script_names(snap).get(loc.script_id) or "").replace("\\", "/")
    marker = "node_modules/"
    if marker in script:
        script = script.rsplit(marker, 1)[1]
    elif script and not script.startswith("node:"):
        script = script.rsplit("/", 1)[-1]
    return f"{script}:{loc.line + 1}" if script else f"line {loc.line + 1}"


def in_node_module(snap: HeapSnapshot, function: int) -> bool:
    """``function`` is defined in one of Node's own modules (a `node:` script)."""
    loc = snap.location(function)
    return loc is not None and script_names(snap).get(loc.script_id, "").startswith("node:")




@dataclass(frozen=True)
class Tally:
    """Counts and bytes by key (an object or function id): what a detector keeps of an older
    snapshot (`Series.older`), 24 bytes per key."""

    keys: np.ndarray  # int64, ascending
    counts: np.ndarray  # int64
    sizes: np.ndarray  # int64

    @classmethod
    def of(cls, by_key: dict[int, tuple[int, int]]) -> Tally:
        keys = np.asarray(sorted(by_key), dtype=np.int64)
        values = [by_key[int(key)] for key in keys.tolist()]
        return cls(keys, np.asarray([c for c, _ in values], dtype=np.int64),
                   np.asarray([b for _, b in values], dtype=np.int64))

    def get(self, key: int) -> tuple[int, int]:
        """(count, bytes) of ``key``, (0, 0) when the snapshot has none."""
        i = int(np.searchsorted(self.keys, key))
        if i < self.keys.size and int(self.keys[i]) == key:
            return int(self.counts[i]), int(self.sizes[i])
        return 0, 0

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.counts.nbytes + self.sizes.nbytes)


class Series:
    """Snapshots of one process, oldest first; the last one is analysed, the older ones may be
    lean (`snapshot.lean`): of those a detector reads ids and classes, and what it needs more
    through `older` (a summary registered with `snapshot.older.older_summary`). Also the
    scan's shared state: objects already explained by a more specific pattern (``claimed``)
    and analyses several detectors use (``cache``)."""

    def __init__(self, snaps: Sequence[AnySnapshot]) -> None:
        last = snaps[-1]
        if not isinstance(last, HeapSnapshot):
            raise TypeError("suspects are found in the last snapshot's graph: it cannot be lean")
        self.snaps = list(snaps)
        self.last: HeapSnapshot = last
        self.claimed: set[int] = set()
        self.cache: dict[str, Any] = {}

    @property
    def size(self) -> int:
        return len(self.snaps)

    @cached_property
    def heap_size(self) -> int:
        return int(self.last.total_size)

    def older(self, index: int, key: str) -> Any:
        """The older-snapshot summary ``key`` of snapshot ``index`` (`snapshot.older`): what
        a detector reads of an earlier snapshot, which may be lean."""
        return summary_of(self.snaps[index], key)

    def match(self, nodes: np.ndarray) -> list[np.ndarray]:
        """Ordinals of the same objects (by id) in every snapshot (-1 where absent)."""
        ids = self.last.node_id[np.asarray(nodes, dtype=np.int64)].astype(np.int64)
        return [s.ordinals_of_ids(ids) if s is not self.last
                else np.asarray(nodes, dtype=np.int64) for s in self.snaps]

    def note_captured(self, nodes: np.ndarray) -> None:
        """Objects kept alive by the callbacks of a reported listener or timer leak."""
        self.cache.setdefault("captured", []).append(np.asarray(nodes, dtype=np.int64))

    def captured_share(self, nodes: np.ndarray) -> float:
        """Share of ``nodes`` that reported listeners' or timers' callbacks keep alive."""
        found = self.cache.get("captured")
        if not found or nodes.size == 0:
            return 0.0
        captured = unique(np.concatenate(found))
        return float(np.isin(nodes, captured).mean())

    def claim(self, nodes: np.ndarray | list[int] | int) -> None:
        self.claimed.update(np.atleast_1d(np.asarray(nodes, dtype=np.int64)).tolist())

    def is_claimed(self, node: int) -> bool:
        return node in self.claimed


def consumed(series: Series, items: np.ndarray, counts: list[int], born: int = 0) -> bool:
    """The oldest of ``items`` (last snapshot's ordinals) are taken out, as from a queue:
    fewer than half of the ``counts[born]`` items of the snapshot the collection was born in
    are still there (by id) in the last; a registry keeps them. Unknown (one snapshot of it,
    or none at first): not consumed."""
    if series.size - born < 2 or counts[born] == 0:
        return False
    kept = int((series.match(items)[born] >= 0).sum())
    return kept < KEPT_SHARE * counts[born]


def steady_growth(values: list[int], min_step: int = 1) -> bool:
    """Rises at every step."""
    return len(values) >= 2 and all(b - a >= min_step for a, b in zip(values, values[1:],
                                                                        strict=False))


def relative_growth(values: list[int]) -> float:
    if len(values) < 2:
        return 0.0
    return (values[-1] - values[0]) / max(values[0], 1)


def grows(values: list[int], min_step: int) -> bool:
    """Worth reporting in a series: never shrinks and still grows at the last step (a
    collection born between two snapshots and flat since is not growing)."""
    return (len(values) >= 2 and values[-1] - values[-2] >= min_step
            and all(b >= a for a, b in zip(values, values[1:], strict=False)))


def severity_from(values: list[int], series_size: int, big: bool = False,
                  face_value: bool = False, min_step: int = 10) -> str:
    """high: steady growth over three or more snapshots (each step adds at least ``min_step``
    and the total grows by a fifth or more), or structure that is a leak on its face.
    medium: growth over two snapshots, or a large structure. low otherwise."""
    rising = steady_growth(values, min_step)
    if face_value or (series_size >= 3 and rising and relative_growth(values) >= 0.2):
        return "high"
    if big or (series_size >= 2 and rising):
        return "medium"
    return "low"


def explained_by_callbacks(series: Series, values: np.ndarray, severity: str,
                           evidence: list[str]) -> str:
    """A collection whose items are what leaked timers or listeners hold: the callbacks are
    the leak's root (they would keep the items alive without it), so it is at most medium."""
    share = series.captured_share(values[:2000])
    if share < 0.5:
        return severity
    evidence.append(f"{share:.0%} of its items are also captured by the leaked timers or "
                    "listeners reported above: clearing those releases them")
    return "medium" if severity == "high" else severity


def sampled_share(hits: int, looked: int, total: int, unit: str = "entries") -> str:
    """`1,980 of 2,468 entries`, or, when only a sample was looked at, `1,980 of 2,000
    sampled entries (of 2,468)`: a sample's size is never shown as the total."""
    if looked >= total:
        return f"{hits:,} of {total:,} {unit}"
    return f"{hits:,} of {looked:,} sampled {unit} (of {total:,})"


def counts_evidence(counts: list[int], unit: str, node_id: int | None = None) -> str:
    same = f" (same object @{node_id})" if node_id is not None else ""
    return f"{unit} per snapshot: " + " -> ".join(f"{c:,}" for c in counts) + same


def make_suspect(series: Series, pattern: str, severity: str, title: str, holder: int,
                 item_class: str, counts: list[int], retained: int, evidence: list[str],
                 advice: str, sizes: list[int] | None = None, confidence: float = 1.0,
                 item_nodes: np.ndarray | None = None,
                 keeps: np.ndarray | None = None,
                 reach_from: np.ndarray | None = None) -> Suspect:
    """A suspect with its holder, path and what it keeps alive filled in from the graph (what
    ``holder`` dominates, or ``keeps`` when the items are not dominated by their holder)."""
    snap = series.last
    added = sizes[-1] - sizes[0] if sizes and len(sizes) > 1 else 0
    if keeps is None and item_nodes is not None and len(item_nodes) >= max(counts[-1], 1) and (
            retained < int(snap.retained_size[holder])):
        # The whole is what the items keep, not the holder: so are its parts (all of them: the
        # counts of a sample's classes would read as the whole's).
        keeps = np.asarray(item_nodes, dtype=np.int64)
    return Suspect(
        pattern=pattern, severity=severity, title=title, holder=holder,
        holder_id=int(snap.node_id[holder]), holder_class=snap.class_name(holder),
        holder_path=path_names(snap, holder), holder_path_text=path_text(snap, holder),
        item_class=item_class,
        item_count=counts[-1], item_counts=counts,
        retains=[], retained_size=retained, evidence=evidence, advice=advice,
        growth=relative_growth(counts), added_bytes=max(added, 0), confidence=confidence,
        item_nodes=np.zeros(0, dtype=np.int64) if item_nodes is None
        else np.asarray(item_nodes, dtype=np.int64),
        reach_from=np.zeros(0, dtype=np.int64) if reach_from is None
        else np.asarray(reach_from, dtype=np.int64),
        retains_from=np.atleast_1d(np.asarray(holder if keeps is None else keeps,
                                              dtype=np.int64)))


def with_retains(snap: HeapSnapshot, suspects: list[Suspect]) -> list[Suspect]:
    """The suspects with what each keeps alive (`retained_classes` of its `retains_from`),
    the dominator tree built once for all of them and let go after."""
    if not suspects:
        return suspects
    with snap.holding_dominator_tree():
        return [replace(s, retains=retained_classes(snap, s.retains_from)) for s in suspects]


def class_ids(snap: HeapSnapshot, name: str) -> list[int]:
    """Ids of the classes called ``name`` (one per location for classes V8 locates)."""
    return [i for i, n in enumerate(snap.class_names) if n == name]


def dominant_class(snap: HeapSnapshot, nodes: np.ndarray,
                   skip: tuple[str, ...] = INTERNAL_CLASSES) -> tuple[str, int]:
    """The most common class among ``nodes`` (and its count), ignoring engine internals."""
    if nodes.size == 0:
        return "-", 0
    ids, counts = np.unique(snap.class_id[nodes], return_counts=True)
    for i in np.argsort(-counts, kind="stable").tolist():
        name = snap.class_names[int(ids[i])]
        if name not in skip:
            return name, int(counts[i])
    return "-", 0


def retained_classes(snap: HeapSnapshot, holder: int | np.ndarray, top: int = 5,
                     limit: int = 500_000) -> list[dict[str, object]]:
    """Classes kept alive by ``holder`` (one object, or several such as a group of timers):
    its dominator subtree, by retained size of the outermost instances of each class (none of
    its own class between it and the holder), so no byte is counted twice and no class keeps
    more than its holder retains."""
    holders = unique(np.atleast_1d(np.asarray(holder, dtype=np.int64)))
    if holders.size > 1:  # one inside another (wrappers of wrappers): counted with the outer
        holders = holders[k.outermost_holders(snap.dominator, holders, snap.root)]
    first_dominated, dominated = snap.dominator_tree()
    walked, counts, sizes = k.dominated_class_totals(
        first_dominated, dominated, snap.class_id, snap.self_size, snap.retained_size, holders,
        len(snap.class_names), limit)
    del first_dominated, dominated
    if walked == 0:
        return []
    # Classes of equal size by name, not by class id (the order V8's layout met them in): of
    # a request's Socket and ServerResponse, each 142,680 B, either was fifth.
    first = np.argsort(-sizes, kind="stable")[:top]
    tied = np.flatnonzero((sizes >= sizes[first[-1]]) & (sizes > 0)).tolist() if first.size else []
    order = sorted(tied, key=lambda c: (-sizes[c], snap.class_names[c]))[:top]
    return [{"class": snap.class_names[c], "count": int(counts[c]),
             "retained_size": int(sizes[c])} for c in order]


def holder_label(series: Series, node: int) -> str:
    """`Map cache.users` style name of a holder for titles: its class and `paths.path_label`
    (a step through a Map's entry reads `caches.get('users')`). A holder only a library's
    module reaches is named by that module's package file and the variable in it
    (`Map tasks in node-cron/src/node-cron.js @123`), not by the absolute path of a
    `require.cache` key."""
    snap = series.last
    module = library_module_label(snap, node) or node_module_label(snap, node)
    if module is not None:
        return f"{snap.class_name(node)} {module} @{int(snap.node_id[node])}"
    return f"{snap.class_name(node)} {path_label(snap, node, LABEL_STEPS) or '(a root)'}"


def node_module_label(snap: HeapSnapshot, node: int) -> str | None:
    """`gcPersistentSignals in node:internal/abort_controller` when ``node`` is (inside) a
    variable of one of Node's own modules, reached through a scope of one of its functions
    (`AbortController.{context}.{previous}.gcPersistentSignals`): Node's state, named by its
    module as an issue about it would; None otherwise."""
    if not has_user_distance(snap, node):
        return None
    edges = list(naming_edges(snap, node))
    names = [snap.edge_name_text(e) for e in edges]
    if not _node_scope_variable(snap, edges, names):
        return None
    i = max(k for k, name in enumerate(names) if name == "context")
    loc = snap.location(snap.edge_source(edges[i]))
    script = script_names(snap).get(loc.script_id, "") if loc is not None else ""
    tail = [t for t in names[i + 1:] if t not in MODULE_STEPS and t != "previous"
            and t != "table" and not t.isdigit()]
    return f"{'.'.join(tail)} in {script}" if tail else script


MODULE_STEPS = ("<symbol node:module_export>", "exports", "context", "module")


def library_module_label(snap: HeapSnapshot, node: int) -> str | None:
    """`tasks in node-cron/src/node-cron.js` when the path from a root to ``node`` runs
    through the module object of a file under node_modules (the library's own state: no name
    of the user's code is on that path); None otherwise."""
    if not has_user_distance(snap, node):
        return None
    edges = list(naming_edges(snap, node))
    found = -1
    for i, e in enumerate(edges):
        if snap.class_name(int(snap.edge_to[e])) == "Module":
            found = i
    if found < 0:
        return None
    filename = _module_filename(snap, int(snap.edge_to[edges[found]]))
    marker = "node_modules/"
    if filename is None or marker not in filename.replace("\\", "/"):
        return None
    module = filename.replace("\\", "/").rsplit(marker, 1)[1]
    tail = [snap.edge_name_text(e) for e in edges[found + 1:]]
    names = [t for t in tail if t not in MODULE_STEPS and t != "table" and not t.isdigit()]
    return f"{names[-1]} in {module}" if names else module


def _module_filename(snap: HeapSnapshot, module: int) -> str | None:
    for e in snap.edges(module):
        if snap.edge_name_text(e) in ("filename", "id"):
            target = int(snap.edge_to[e])
            if int(snap.node_type[target]) in (snap.T_STRING, snap.T_CONS, snap.T_SLICED):
                return snap.name(target)
    return None


def object_label(series: Series, node: int) -> str:
    """An emitter or other object in a title: `cache.client (EventEmitter @91407)`, by
    `paths.path_label`, or by the library's module file when only that module reaches it
    (`mongoose/index.js (Mongoose @143211)`, not `process.mainModule.children[0]…`); its
    class and id alone when no path from a user root names it."""
    snap = series.last
    ident = f"{snap.class_name(node)} @{int(snap.node_id[node])}"
    label = (library_module_label(snap, node) or path_label(snap, node, LABEL_STEPS)
             if has_user_distance(snap, node) else "")
    return f"{label} ({ident})" if label else ident


def holder_rank(snap: HeapSnapshot, holder: int) -> tuple[int, int, int]:
    """How far a holder is from user code (smaller: nearer): (held only through a timer,
    a variable of one of Node's own modules, distance from a root). A holder with no path
    from a user root ranks last."""
    if not has_user_distance(snap, holder):
        return (1, 1, BASE_SYSTEM_DISTANCE)
    edges = list(naming_edges(snap, holder))
    timer = any(snap.class_name(snap.edge_source(e)) == "Timeout" for e in edges)
    names = [snap.edge_name_text(e) for e in edges]
    # Node's own per-context tables (its primordials) hang from a `node:` symbol.
    internal = int(any(name.startswith("<symbol node:") and "module_export" not in name
                       for name in names))
    internal |= int(_node_scope_variable(snap, edges, names))
    return (int(timer), internal, int(snap.distance[holder]))


def node_scope_variable(snap: HeapSnapshot, holder: int) -> bool:
    """``holder`` is (inside) a variable of one of Node's own modules (its package.json
    reader's cache), not exported to user code."""
    if not has_user_distance(snap, holder):
        return False
    edges = list(naming_edges(snap, holder))
    return _node_scope_variable(snap, edges, [snap.edge_name_text(e) for e in edges])


def _node_scope_variable(snap: HeapSnapshot, edges: list[int], names: list[str]) -> bool:
    scopes = [i for i, name in enumerate(names) if name == "context"]
    if not scopes:
        return False
    i = scopes[-1]
    if i > 0 and names[i - 1].startswith("get "):
        return False  # read through an accessor (`globalThis.process`): what it returns
    loc = snap.location(snap.edge_source(edges[i]))
    script = script_names(snap).get(loc.script_id, "") if loc is not None else ""
    exported = any("module_export" in name or name == "exports" for name in names[i:])
    return script.startswith("node:") and not exported
