"""`unbounded-queue` kept as a linked list: objects of one class pointing to objects of the same
class through one property (`next`, `prev`, `_idleNext`, whatever the library calls it),
forming long chains. Found by structure, never by the property's name: every property edge
from an object to another of its own class is a link candidate (one compiled pass over the
edges); the links of one (class, property) pair are followed into chains; a chain's holder is
the object that points to its first node (the queue, the list object; lifted out of a
closure's scope to the object whose methods close over it). The same holder (id) is measured
in every snapshot of the series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.entries import entry_count, kind_of
from leaktui.snapshot.older import older_summary
from leaktui.snapshot.paths import naming_edges
from leaktui.suspects import _reach
from leaktui.suspects.base import (
    SIZE_MARK,
    Series,
    Suspect,
    Tally,
    counts_evidence,
    dominant_class,
    grows,
    holder_label,
    make_suspect,
    severity_from,
)

PATTERN = "unbounded-queue"
MIN_LINKS = 16  # links of one (class, property) pair worth following
MIN_CHAIN = 16  # nodes in one chain (last snapshot)
MIN_STEP = 10
BIG_CHAIN = 5000  # one snapshot: a chain this long is worth a look on its own
FEW_NODES = 200  # one snapshot: this many holding 1% of the heap is worth a look
MAX_CHAINS = 50
LIFT_STEPS = 4


@dataclass(frozen=True)
class Chain:
    owner: int  # the object pointing to the first node (not lifted)
    link: str  # the property that chains the nodes
    nodes: np.ndarray  # ordinals of the chain's nodes (sorted)


@older_summary("chains")
def chains_summary(snap: HeapSnapshot) -> Tally:
    """Of an older snapshot: the length of every chain (two nodes or more) by its owner's id,
    the longest when one owner holds several (a list's head and its tail: which came last
    once decided it, and a stalled queue read as flat)."""
    longest: dict[int, tuple[int, int]] = {}
    for c in chains(snap, 2):  # one owner may hold several (its list's head and its tail)
        owner = int(snap.node_id[c.owner])
        longest[owner] = max(longest.get(owner, (0, 0)), (int(c.nodes.size), 0))
    return Tally.of(longest)


def chains(snap: HeapSnapshot, min_size: int) -> list[Chain]:
    """Chains of at least ``min_size`` nodes in one snapshot, longest first."""
    cache: dict[int, list[Chain]] = snap.cached("suspect_chains", dict)
    if min_size in cache:
        return cache[min_size]
    # Links can be millions (a heap of linked structures): their arrays are kept narrow
    # (uint32 straight from the kernel while ordinals fit) and the temporaries let go early,
    # for the peak memory of the whole report.
    src, edges = _reach.same_class_links(snap.first_edge, snap.edge_to, snap.edge_type,
                                         snap.class_id, snap.node_type, snap.E_PROPERTY,
                                         snap.T_OBJECT,
                                         snap.node_count < 2**32 and snap.edge_count < 2**32)
    out: list[Chain] = []
    if src.size:
        names = snap.edge_name[edges]
        key = snap.class_id[src].astype(np.int64)
        key *= np.int64(len(snap.strings))
        key += names
        order = np.argsort(key, kind="stable")
        key = key[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        lo = np.concatenate([[0], bounds])
        hi = np.concatenate([bounds, [key.size]])
        del key, bounds
        seen = np.zeros(0, dtype=np.int64)
        for g in np.argsort(lo - hi, kind="stable").tolist():  # most links first
            if hi[g] - lo[g] < max(MIN_LINKS, min_size - 1) or len(out) >= MAX_CHAINS:
                break
            sel = order[lo[g]:hi[g]]
            dst = snap.edge_to[edges[sel]]
            out += _chains_of(snap, src[sel], dst, int(names[sel[0]]), min_size, seen)
            del dst
            if out:
                seen = _sorted_unique(np.concatenate([c.nodes for c in out]))
    out.sort(key=lambda c: -c.nodes.size)
    cache[min_size] = out
    return out


def _chains_of(snap: HeapSnapshot, src: np.ndarray, dst: np.ndarray, name: int, min_size: int,
               seen: np.ndarray) -> list[Chain]:
    members = _sorted_unique(np.concatenate([src, dst]))
    nxt = np.full(members.size, -1, dtype=np.int64)
    nxt[np.searchsorted(members, src)] = np.searchsorted(members, dst)
    labels = _reach.chain_labels(nxt)
    del nxt  # temporaries let go as soon as done with: a group can be millions of links
    sizes = np.bincount(labels, minlength=members.size)
    big = np.flatnonzero(sizes >= min_size)
    big = big[np.argsort(-sizes[big], kind="stable")[:MAX_CHAINS]]
    del sizes
    order = np.argsort(labels, kind="stable")
    ranked = labels[order]
    del labels
    out = []
    for start in big.tolist():
        head = int(members[start])
        if np.isin(head, seen):
            continue  # the same chain through its other link (`prev` after `next`)
        lo, hi = np.searchsorted(ranked, [start, start + 1])
        nodes = np.sort(members[order[lo:hi]]).astype(np.int64)  # members may be uint32
        owner = _owner(snap, head, nodes)
        if owner >= 0:
            out.append(Chain(owner, snap.strings[name], nodes))
    return out


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (faster than its hash path on large integer arrays)."""
    values = np.sort(values)
    if values.size == 0:
        return values
    keep = np.empty(values.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _owner(snap: HeapSnapshot, head: int, nodes: np.ndarray) -> int:
    """The object nearest to a root pointing to the chain's first node, not one of its nodes
    (-1: none, the chain is garbage or held by the engine only)."""
    for edge, src in snap.retainers(head):
        if int(snap.edge_type[edge]) == snap.E_WEAK or np.isin(src, nodes):
            continue
        return src
    return -1


def _lift(snap: HeapSnapshot, owner: int) -> int:
    """The holder a user knows: a chain held by a closure's scope (`let head` in a module or
    factory) is named after the object whose method closes over that scope."""
    for _ in range(LIFT_STEPS):
        if snap.class_name(owner) != "system / Context":
            return owner
        found = _scope_owner(snap, owner)
        if found < 0:
            return owner
        owner = found
    return owner


def _scope_owner(snap: HeapSnapshot, context: int) -> int:
    """The object holding a closure whose scope is ``context`` (on its path from a root)."""
    path = naming_edges(snap, context)
    if len(path) >= 2 and snap.edge_name_text(path[-1]) == "context":
        holder = snap.edge_source(path[-2])
        if int(snap.node_type[holder]) == snap.T_OBJECT:
            return holder
    return -1


def detect(series: Series) -> list[Suspect]:
    snap = series.last
    found = chains(snap, MIN_CHAIN)
    if not found:
        return []
    earlier: list[Tally] = [series.older(i, "chains") for i in range(series.size - 1)]
    out = []
    for c in found:
        sample = c.nodes[:200].tolist()
        if sum(series.is_claimed(v) for v in sample) >= len(sample) / 2:
            continue  # timers, listener records: reported as such
        owner_id = int(snap.node_id[c.owner])
        counts = [e.get(owner_id)[0] for e in earlier] + [int(c.nodes.size)]
        if series.size >= 2 and grows(counts, MIN_STEP):
            counts = _at_least_present(series, c.nodes, counts)
        if series.size >= 2 and not grows(counts, MIN_STEP):
            continue
        retained = _retained(snap, c.nodes)
        if series.size == 1 and not (c.nodes.size >= BIG_CHAIN or (
                c.nodes.size >= FEW_NODES and retained >= 0.01 * series.heap_size)):
            continue
        holder = _lift(snap, c.owner)
        if series.is_claimed(holder) or _holds_more(snap, holder, int(c.nodes.size)):
            continue
        item_class, _ = dominant_class(snap, c.nodes)
        evidence = [f"{c.nodes.size:,} {item_class} objects chained through '.{c.link}' (a "
                    f"linked list, each node pointing to the next of its class), held by "
                    f"{snap.class_name(c.owner)} @{owner_id}"]
        if series.size > 1:
            evidence.append(counts_evidence(counts, "nodes", owner_id))
        severity = severity_from(counts, series.size, big=c.nodes.size >= BIG_CHAIN,
                                 min_step=MIN_STEP)
        verb = "grew to" if series.size > 1 else "holds"
        title = (f"{holder_label(series, holder)} {verb} {c.nodes.size:,} {item_class} in a "
                 f"linked list ('.{c.link}'), holding {SIZE_MARK}")
        advice = ("Bound the queue: cap its length and reject or drop what does not fit, apply "
                  "backpressure to producers (await the push, pause the source), and make sure "
                  "a stalled worker times out and calls back so the queue drains.")
        out.append(make_suspect(series, PATTERN, severity, title, holder, item_class, counts,
                                retained, evidence, advice, item_nodes=c.nodes,
                                keeps=_entry(snap, c.nodes),
                                reach_from=c.nodes))
        series.claim(c.nodes)
        series.claim(holder)
    return out


def _holds_more(snap: HeapSnapshot, holder: int, chained: int) -> bool:
    """The chain's holder is an array, Map or Set with more entries than the chain has
    nodes: its entries are what accumulates (a stack of contexts each made from the one
    before, chained through `__proto__` until a context of another shape breaks the chain),
    which the collection patterns measure whole."""
    return (kind_of(snap, holder) in ("array", "map", "set")
            and entry_count(snap, holder) > chained)


def _at_least_present(series: Series, nodes: np.ndarray, counts: list[int]) -> list[int]:
    """The chain's length per snapshot, at least as many as its nodes there (by id): an
    older snapshot's summary keeps the longest chains only, and a chain it left out read as
    0 (a tree's 19 old nodes along '.left' as a list grown from nothing)."""
    present = [int((ords >= 0).sum()) for ords in series.match(nodes)[:-1]]
    return [max(c, p) for c, p in zip(counts[:-1], present, strict=True)] + counts[-1:]


def _entry(snap: HeapSnapshot, nodes: np.ndarray) -> np.ndarray:
    """The chain's node nearest to a root, as an array of one: of a list's head and tail,
    equally near (`queue.head`, `queue.tail`), the one that keeps the most (the head, which
    keeps the list), never the first in V8's layout (the tail in some runs: one node kept)."""
    near = nodes[snap.distance[nodes] == snap.distance[nodes].min()]
    return near[np.argsort(-snap.retained_size[near].astype(np.int64), kind="stable")[:1]]


def _retained(snap: HeapSnapshot, nodes: np.ndarray) -> int:
    """Bytes the chain keeps alive: its outermost nodes' retained sizes (a node dominated by
    another of the chain is inside that one's)."""
    inside = np.isin(snap.dominator[nodes], nodes)
    return int(snap.retained_size[nodes[~inside]].sum())
