"""`closure-capture`: long-lived functions whose captured scope (context) keeps large objects
alive, grouped by the function they are instances of."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot.classes import _edges_of
from leaktui.suspects.base import (
    Series,
    Suspect,
    human,
    make_suspect,
    path_text,
    severity_from,
    steady_growth,
)

MIN_CONTEXT_BYTES = 256 * 1024


def closure_groups(snap: HeapSnapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every closure: (closure ordinals, shared-function-info ids, context ordinals);
    closures without a context are left out."""
    closures = np.flatnonzero(snap.node_type == snap.T_CLOSURE)
    if closures.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    found = snap.strings.indexes_of(["shared", "context"])
    edges = _edges_of(snap.first_edge[closures], snap.first_edge[closures + 1])
    internal = snap.edge_type[edges] == snap.E_INTERNAL
    src = snap.edge_sources(edges)
    shared_e = edges[internal & np.isin(snap.edge_name[edges], found["shared"])]
    context_e = edges[internal & np.isin(snap.edge_name[edges], found["context"])]
    shared_of = np.full(snap.node_count, -1, dtype=np.int64)
    shared_of[src[np.isin(edges, shared_e)]] = snap.node_id[snap.edge_to[shared_e]]
    context_of = np.full(snap.node_count, -1, dtype=np.int64)
    context_of[src[np.isin(edges, context_e)]] = snap.edge_to[context_e]
    keep = (shared_of[closures] >= 0) & (context_of[closures] >= 0)
    closures = closures[keep]
    return closures, shared_of[closures], context_of[closures]


def _common_holder(snap: HeapSnapshot, nodes: np.ndarray) -> int:
    """The object that holds most of ``nodes``: their most common dominator, lifted out of
    engine storage (backing arrays) to the JS object owning it."""
    doms, counts = np.unique(snap.dominator[nodes], return_counts=True)
    holder = int(doms[int(np.argmax(counts))])
    while int(snap.node_type[holder]) in (snap.T_ARRAY, snap.T_HIDDEN) and holder != snap.root:
        holder = int(snap.dominator[holder])
    return holder


def detect(series: Series, claimed: set[int]) -> list[Suspect]:
    snap = series.last
    closures, shared, contexts = closure_groups(snap)
    if closures.size == 0:
        return []
    total = max(snap.total_size, 1)
    threshold = max(MIN_CONTEXT_BYTES, 0.02 * total)
    ctx_size = snap.retained_size[contexts]
    uniq, inverse = np.unique(shared, return_inverse=True)
    group_bytes = np.bincount(inverse, weights=ctx_size)
    group_count = np.bincount(inverse)
    earlier = []
    for s in series.snaps[:-1]:
        _, sh, _ = closure_groups(s)
        earlier.append(dict(zip(*np.unique(sh, return_counts=True), strict=True)))
    out = []
    for g in np.flatnonzero(group_bytes >= threshold).tolist():
        members = closures[inverse == g]
        if sum(int(m) in claimed for m in members) >= members.size / 2:
            continue  # listeners and timer callbacks are reported as such
        count = int(group_count[g])
        counts = [int(e.get(uniq[g], 0)) for e in earlier] + [count]
        rising = steady_growth(counts, 2)
        if series.size >= 2 and not rising:
            continue
        severity = severity_from(counts, series.size, big=group_bytes[g] >= 0.1 * total,
                                 min_step=2)
        fn = snap.name(int(members[0])) or "(anonymous)"
        holder = _common_holder(snap, members)
        path = snap.path_names(holder)
        retained = int(group_bytes[g])
        context = int(contexts[inverse == g][0])
        captured = [snap.edge_name_text(e) for e in snap.edges(context)
                    if int(snap.edge_type[e]) == snap.E_CONTEXT]
        biggest = sorted(((int(snap.retained_size[int(snap.edge_to[e])]),
                           snap.edge_name_text(e)) for e in snap.edges(context)
                          if int(snap.edge_type[e]) == snap.E_CONTEXT), reverse=True)[:3]
        evidence = [f"{count:,} instances of function {fn!r}; their captured scopes retain "
                    f"{human(retained)}",
                    "largest captured variables: " + ", ".join(
                        f"{name} ({human(size)})" for size, name in biggest)]
        out.append(make_suspect(
            snap, "closure-capture", severity,
            f"{count:,} {fn!r} closures held by {snap.class_name(holder)} {path_text(path)} "
            f"capture {human(retained)} ({', '.join(captured[:3]) or 'their scope'})",
            holder, "Function", counts, retained, evidence,
            "Capture less: copy the few fields the function uses into locals before creating "
            "it (instead of closing over the whole object), and drop old functions (handlers, "
            "callbacks) when they are replaced.", unit="instances"))
        claimed.add(holder)
        claimed.update(int(m) for m in members)
    return out
