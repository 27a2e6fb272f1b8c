"""Vectorised graph operations the detectors share: edges of many nodes at once, the target of
a named edge for many nodes, heads of linked lists, what a set of objects reaches in a few
steps, and a path from a root for any object (also one held only by the stack).

Nothing here loops in Python over all nodes or edges: loops run over a handful of steps (list
doubling rounds, reach depth, path length)."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot import HeapSnapshot
from leaktui.snapshot._base import slots_of
from leaktui.snapshot._sets import isin
from leaktui.snapshot.entries import string_ids

EMPTY = np.zeros(0, dtype=np.int64)


def edges_of(snap: HeapSnapshot, nodes: np.ndarray, cap: int | None = None) -> np.ndarray:
    """Edge ordinals of ``nodes`` concatenated (at most ``cap`` edges per node)."""
    return edges_and_owners(snap, nodes, cap)[0]


def edges_and_owners(snap: HeapSnapshot, nodes: np.ndarray,
                     cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`edges_of` and, for each of those edges, the index into ``nodes`` it belongs to."""
    return slots_of(snap.first_edge, np.asarray(nodes, dtype=np.int64), cap)


RETAINERS_READ = 256  # retaining edges read per object when asking what holds it


def first_retaining_edges(snap: HeapSnapshot, node: int) -> np.ndarray:
    """The first edges to ``node`` (raw retainer order, at most `RETAINERS_READ`; weak ones
    left out): what holds an object, without naming and sorting every retainer as
    `HeapSnapshot.retainers` does."""
    lo, hi = int(snap.first_retainer[node]), int(snap.first_retainer[node + 1])
    edges = np.asarray(snap.retaining_edges[lo:min(hi, lo + RETAINERS_READ)], dtype=np.int64)
    return edges[snap.edge_type[edges] != snap.E_WEAK]


def named_targets(snap: HeapSnapshot, nodes: np.ndarray, *names: str,
                  edge_type: int | None = None) -> np.ndarray:
    """For each node, the target of its first edge called one of ``names`` (-1 if none)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    out = np.full(nodes.size, -1, dtype=np.int64)
    ids = string_ids(snap, *names)
    if nodes.size == 0 or ids.size == 0:
        return out
    edges, owner = edges_and_owners(snap, nodes)
    types = snap.edge_type[edges]
    hit = isin(snap.edge_name[edges], ids)
    hit &= (types != snap.E_ELEMENT) & (types != snap.E_HIDDEN)
    if edge_type is not None:
        hit &= types == edge_type
    sel = np.flatnonzero(hit)[::-1]  # reversed: the first edge of a node is written last
    out[owner[sel]] = snap.edge_to[edges[sel]]
    return out


def chain_heads(snap: HeapSnapshot, nodes: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Linked lists: ``nodes`` (sorted ordinals) each point through ``link`` (ordinal or -1)
    to the previous member; the head is the first target that is not itself a member. Pointer
    doubling: O(log n) vectorised rounds."""
    target = np.asarray(link, dtype=np.int64).copy()
    n = nodes.size
    if n == 0:
        return target
    for _ in range(64):
        pos = np.searchsorted(nodes, target)
        inside = (target >= 0) & (pos < n)
        inside[inside] = nodes[pos[inside]] == target[inside]
        if not inside.any():
            break
        target[inside] = target[pos[inside]]
    return target




def closed_over(snap: HeapSnapshot, functions: np.ndarray,
                wider: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (index into ``functions``, an object that function keeps alive directly): its
    scope's variables and, for a bound function, the bound `this`; ``wider`` adds the
    function itself, its scope and the function a bound one calls."""
    functions = np.asarray(functions, dtype=np.int64)
    index = np.arange(functions.size, dtype=np.int64)
    contexts = named_targets(snap, functions, "context", edge_type=snap.E_INTERNAL)
    this = named_targets(snap, functions, "bound_this", edge_type=snap.E_INTERNAL)
    scoped = contexts >= 0
    owner, variables = scope_variables(snap, contexts[scoped])
    which = [index[scoped][owner], index[this >= 0]]
    held = [variables, this[this >= 0]]
    if wider:
        bound = named_targets(snap, functions, "bound_function", edge_type=snap.E_INTERNAL)
        which += [index, index[scoped], index[bound >= 0]]
        held += [functions, contexts[scoped], bound[bound >= 0]]
    return np.concatenate(which), np.concatenate(held)


def scope_variables(snap: HeapSnapshot, contexts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (index into ``contexts``, a variable of that scope)."""
    edges, owner = edges_and_owners(snap, contexts)
    variable = snap.edge_type[edges] == snap.E_CONTEXT
    return owner[variable], snap.edge_to[edges[variable]].astype(np.int64)


OWN_SCOPE_LEVELS = 3  # enclosing scopes read beyond a function's own


def captured_objects(snap: HeapSnapshot, functions: np.ndarray) -> np.ndarray:
    """Objects a set of functions keep alive directly: their scopes' variables and, for bound
    functions, the bound `this`, and the variables of enclosing scopes of their own (each
    made by the call that made the function, shared by under half of them: `_this2` a level
    above a `forEach` callback's scope), never of a scope most share (a module's) (sorted,
    unique)."""
    held = [closed_over(snap, functions)[1]]
    contexts = named_targets(snap, functions, "context", edge_type=snap.E_INTERNAL)
    contexts = contexts[contexts >= 0]
    shared = max(2.0, 0.5 * functions.size)
    for _ in range(OWN_SCOPE_LEVELS):
        outer = named_targets(snap, contexts, "previous", edge_type=snap.E_INTERNAL)
        outer, counts = np.unique(outer[outer >= 0], return_counts=True)
        contexts = outer[counts < shared]
        if contexts.size == 0:
            break
        held.append(scope_variables(snap, contexts)[1])
    return np.unique(np.concatenate(held))
