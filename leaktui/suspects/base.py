"""What every detector shares: the Suspect record, a series of snapshots with id matching, and
small vectorised measurements on the heap graph (entries of a collection, the classes a holder
keeps alive, growth of one object across snapshots)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.growth import element_counts

SEVERITY_WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0}
HTTP_CLASSES = ("IncomingMessage", "ServerResponse", "ClientRequest", "Socket", "TLSSocket")
STRING_CLASSES = ("(string)", "(concatenated string)", "(sliced string)")


@dataclass
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
    growth: float = 0.0  # relative growth of the holder over the series (0 when unknown)
    score: float = field(default=0.0)

    def compute_score(self) -> float:
        size_term = math.log10(max(self.retained_size, 1))
        self.score = round(SEVERITY_WEIGHT[self.severity] * 10 + size_term
                           + min(self.growth, 10.0), 3)
        return self.score

    def to_json(self) -> dict[str, object]:
        return {
            "pattern": self.pattern,
            "severity": self.severity,
            "score": self.score,
            "title": self.title,
            "holder": {"id": self.holder_id, "class": self.holder_class,
                       "path": self.holder_path},
            "items": {"class": self.item_class, "count": self.item_count,
                      "counts": self.item_counts},
            "retains": self.retains,
            "retained_size": self.retained_size,
            "evidence": self.evidence,
            "advice": self.advice,
        }


def human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class Series:
    """Snapshots of one process, oldest first; the last one is analysed."""

    def __init__(self, snaps: list[HeapSnapshot]) -> None:
        self.snaps = snaps
        self.last = snaps[-1]

    @property
    def size(self) -> int:
        return len(self.snaps)

    @cached_property
    def entry_counts(self) -> list[np.ndarray]:
        return [element_counts(s) for s in self.snaps]

    def history(self, node: int) -> tuple[list[int], list[int]]:
        """Entry counts and retained sizes of one object (by id) in every snapshot; -1 where
        the object does not exist."""
        node_id = int(self.last.node_id[node])
        counts, sizes = [], []
        for snap, entries in zip(self.snaps, self.entry_counts, strict=True):
            o = snap.ordinal_of_id(node_id)
            counts.append(-1 if o is None else int(entries[o]))
            sizes.append(-1 if o is None else int(snap.retained_size[o]))
        return counts, sizes

    def class_counts(self, class_name: str) -> list[int]:
        """Instances of a class (by name) in every snapshot."""
        out = []
        for snap in self.snaps:
            ids = [r.class_id for r in snap.summary() if r.name == class_name]
            out.append(int(np.isin(snap.class_id, ids).sum()) if ids else 0)
        return out


def steady_growth(values: list[int], min_step: int = 1) -> bool:
    """Rises at every step (and existed throughout)."""
    return len(values) >= 2 and min(values) >= 0 and all(
        b - a >= min_step for a, b in zip(values, values[1:], strict=False))


def relative_growth(values: list[int]) -> float:
    if len(values) < 2 or values[0] < 0:
        return 0.0
    return (values[-1] - values[0]) / max(values[0], 1)


def severity_from(values: list[int], series_size: int, big: bool = False,
                  face_value: bool = False, min_step: int = 10) -> str:
    """high with steady growth over three or more snapshots (or structure that is a leak on
    its face); medium for growth over two, or a large structure; low otherwise."""
    rising = steady_growth(values, min_step)
    if face_value or (series_size >= 3 and rising and relative_growth(values) >= 0.2):
        return "high"
    if big or (series_size >= 2 and rising):
        return "medium"
    return "low"


def make_suspect(snap: HeapSnapshot, pattern: str, severity: str, title: str, holder: int,
                 item_class: str, counts: list[int], retained: int, evidence: list[str],
                 advice: str, unit: str = "entries") -> Suspect:
    """A suspect with its holder, path and what it keeps alive filled in from the graph."""
    if len(counts) > 1:
        evidence = evidence + [f"{unit} per snapshot: " + " -> ".join(f"{c:,}" for c in counts)]
    grown = [max(c, 0) for c in counts]
    return Suspect(
        pattern=pattern, severity=severity, title=title, holder=holder,
        holder_id=int(snap.node_id[holder]), holder_class=snap.class_name(holder),
        holder_path=compact_path(snap.path_names(holder)), item_class=item_class,
        item_count=counts[-1], item_counts=counts, retains=retained_classes(snap, holder),
        retained_size=retained, evidence=evidence, advice=advice,
        growth=relative_growth(grown))


def entry_targets(snap: HeapSnapshot, node: int) -> np.ndarray:
    """The objects a collection holds: targets of its own non-weak edges and of its
    `elements`/`table`/`properties` backing store, without `map`/`__proto__` links."""
    targets = [_member_targets(snap, node)]
    for e in snap.edges(node):
        if int(snap.edge_type[e]) != snap.E_INTERNAL:
            continue
        if snap.edge_name_text(e) in ("elements", "table", "properties"):
            store = int(snap.edge_to[e])
            if int(snap.node_type[store]) in (snap.T_ARRAY, snap.T_HIDDEN):
                targets.append(_member_targets(snap, store))
    return np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)


def _member_targets(snap: HeapSnapshot, node: int) -> np.ndarray:
    lo, hi = int(snap.first_edge[node]), int(snap.first_edge[node + 1])
    types = snap.edge_type[lo:hi]
    keep = (types != snap.E_WEAK) & (types != snap.E_SHORTCUT)
    keep &= ~np.isin(snap.edge_name[lo:hi], _link_names(snap)) | np.isin(
        types, [snap.E_ELEMENT, snap.E_HIDDEN])
    return snap.edge_to[lo:hi][keep].astype(np.int64)


def _link_names(snap: HeapSnapshot) -> np.ndarray:
    cached = snap.__dict__.get("_suspect_link_names")
    if cached is None:
        found = snap.strings.indexes_of(["map", "__proto__", "elements", "table", "properties",
                                         "constructor"])
        cached = np.asarray([i for v in found.values() for i in v], dtype=np.uint32)
        snap.__dict__["_suspect_link_names"] = cached
    return cached


def dominant_class(snap: HeapSnapshot, nodes: np.ndarray,
                   skip: tuple[str, ...] = ("(system)", "(object shape)", "(compiled code)",
                                            "(number)")) -> tuple[str, int]:
    """The most common class among ``nodes`` (and its count), ignoring engine internals."""
    if nodes.size == 0:
        return "-", 0
    ids, counts = np.unique(snap.class_id[nodes], return_counts=True)
    best, best_count = "-", 0
    for c, n in sorted(zip(ids.tolist(), counts.tolist(), strict=True), key=lambda x: -x[1]):
        name = snap.class_names[c]
        if name in skip:
            continue
        best, best_count = name, int(n)
        break
    return best, best_count


def retained_classes(snap: HeapSnapshot, holder: int, top: int = 5,
                     limit: int = 500_000) -> list[dict[str, object]]:
    """Classes kept alive by ``holder``: its dominator subtree, by retained size (outermost
    instances only, so nested objects are not counted twice)."""
    members: list[np.ndarray] = []
    frontier = np.asarray([holder], dtype=np.int64)
    total = 0
    while frontier.size and total < limit:
        starts = snap.first_dominated[frontier].astype(np.int64)
        ends = snap.first_dominated[frontier + 1].astype(np.int64)
        lengths = ends - starts
        if lengths.sum() == 0:
            break
        idx = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        children = snap.dominated[idx].astype(np.int64)
        members.append(children)
        total += children.size
        frontier = children
    if not members:
        return []
    nodes = np.concatenate(members)
    nodes = nodes[snap.self_size[nodes] > 0]
    # Outermost per class: a node whose dominator is of the same class is inside another.
    dom_class = snap.class_id[snap.dominator[nodes]]
    outer = nodes[dom_class != snap.class_id[nodes]]
    counts = np.bincount(snap.class_id[nodes], minlength=len(snap.class_names))
    sizes = np.bincount(snap.class_id[outer], weights=snap.retained_size[outer],
                        minlength=len(snap.class_names))
    order = np.argsort(-sizes, kind="stable")[:top]
    return [{"class": snap.class_names[c], "count": int(counts[c]),
             "retained_size": int(sizes[c])} for c in order.tolist() if sizes[c] > 0]


def path_text(path: list[str]) -> str:
    """Edge names as a readable path, runs of one name collapsed (`_idleNext×300`)."""
    parts = compact_path(path)
    return ".".join(parts) if parts else "(a root)"


def compact_path(path: list[str]) -> list[str]:
    """The path for JSON: runs of one edge name (linked lists) collapsed to `name×N`."""
    out: list[str] = []
    i = 0
    while i < len(path):
        j = i
        while j + 1 < len(path) and path[j + 1] == path[i]:
            j += 1
        out.append(path[i] if j == i else f"{path[i]}×{j - i + 1}")
        i = j + 1
    return out
