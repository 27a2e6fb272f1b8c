"""Which script a function was defined in: closure -shared-> SharedFunctionInfo -script->
Script, whose name is the path or URL. Locations carry only a script id; the name comes from
any closure of that script."""

from __future__ import annotations

import numpy as np

from leaktui.snapshot.graph import HeapSnapshot


def edge_target(snap: HeapSnapshot, node: int, *names: str) -> int:
    """The target of the first outgoing edge named one of ``names`` (-1 if none)."""
    for e in snap.edges(node):
        if snap.edge_name_text(e) in names:
            return int(snap.edge_to[e])
    return -1


def script_name(snap: HeapSnapshot, node: int) -> str | None:
    """The script (path or URL) of a closure or of an object's constructor; else the name of
    the script its location's script id belongs to (found through any closure of it)."""
    name = script_of(snap, node)
    if name is not None:
        return name
    loc = snap.location(node)
    return None if loc is None else script_names(snap).get(loc.script_id)


def script_names(snap: HeapSnapshot) -> dict[int, str]:
    """script id -> path or URL, from one closure per script id (computed once)."""
    return snap.cached("script_names", lambda: _script_names(snap))


def _script_names(snap: HeapSnapshot) -> dict[int, str]:
    names: dict[int, str] = {}
    nodes, scripts, _, _ = snap.locations
    if nodes.size:
        closures = snap.node_type[nodes] == snap.T_CLOSURE
        ids, first = np.unique(scripts[closures], return_index=True)
        for script_id, node in zip(ids.tolist(), nodes[closures][first].tolist(), strict=True):
            name = script_of(snap, int(node))
            if name:
                names[int(script_id)] = name
    return names


def script_of(snap: HeapSnapshot, node: int) -> str | None:
    """The script (path or URL) a closure was defined in, or an object's constructor was:
    closure -shared-> SharedFunctionInfo -script-> Script, whose name is the path."""
    closure = node
    if int(snap.node_type[node]) != snap.T_CLOSURE:
        shape = edge_target(snap, node, "map")
        closure = edge_target(snap, shape, "constructor") if shape >= 0 else -1
        if closure < 0:
            return None
    shared = edge_target(snap, closure, "shared")
    if shared < 0:
        return None
    script = edge_target(snap, shared, "script_or_debug_info", "script")
    if script < 0:
        return None
    name = snap.raw_name(script)
    for prefix in ("system / Script / ",):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name or None
