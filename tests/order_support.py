"""The same heap laid out in another order: what V8 writes differently from one run to the
next (it lists objects, hence each object's retainers, in the order it finds them in the
heap). A result that must not depend on V8's layout is the same on both files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Order = Callable[[dict[str, Any], int], list[int]]  # (the file, objects) -> old ordinal by place


def reversed_layout(source: Path, out: Path) -> Path:
    """``source`` rewritten with its objects in reverse order (the root, the first, stays
    first): every object's edges, ids and names unchanged, its retainers listed the other way
    round."""
    return relaid(source, out, lambda data, count: [0, *range(count - 1, 0, -1)])


def named_first(source: Path, out: Path, *names: str) -> Path:
    """``source`` rewritten with the objects named ``names[0]`` first (after the root), then
    those named ``names[1]``, ..., then the others in their order: which class V8 met first."""
    def order(data: dict[str, Any], count: int) -> list[int]:
        meta = data["snapshot"]["meta"]
        nf = len(meta["node_fields"])
        at = meta["node_fields"].index("name")
        strings, nodes = data["strings"], data["nodes"]
        rank = {name: i for i, name in enumerate(names)}
        return [0, *sorted(range(1, count),
                           key=lambda i: rank.get(strings[nodes[i * nf + at]], len(names)))]
    return relaid(source, out, order)


def ids_first(source: Path, out: Path, *ids: int) -> Path:
    """``source`` rewritten with the objects of ``ids`` first (after the root), in that
    order, then the others in their order."""
    def order(data: dict[str, Any], count: int) -> list[int]:
        meta = data["snapshot"]["meta"]
        nf = len(meta["node_fields"])
        at = meta["node_fields"].index("id")
        rank = {node_id: i for i, node_id in enumerate(ids)}
        return [0, *sorted(range(1, count),
                           key=lambda i: rank.get(data["nodes"][i * nf + at], len(ids)))]
    return relaid(source, out, order)


def relaid(source: Path, out: Path, order: Order) -> Path:
    """``source`` rewritten with its objects in the order ``order`` gives (old ordinals, the
    root first), edges rewired to the objects' new places."""
    data = json.loads(source.read_text())
    meta = data["snapshot"]["meta"]
    nf, ef = len(meta["node_fields"]), len(meta["edge_fields"])
    edge_count_at = meta["node_fields"].index("edge_count")
    to_at = meta["edge_fields"].index("to_node")
    nodes, edges = data["nodes"], data["edges"]
    count = len(nodes) // nf
    first_edge = [0] * (count + 1)
    for i in range(count):
        first_edge[i + 1] = first_edge[i] + nodes[i * nf + edge_count_at]
    places = order(data, count)  # new place -> old ordinal
    position = [0] * count
    for new, old in enumerate(places):
        position[old] = new
    new_nodes: list[int] = []
    new_edges: list[int] = []
    for old in places:
        new_nodes.extend(nodes[old * nf:(old + 1) * nf])
        for e in range(first_edge[old], first_edge[old + 1]):
            row = edges[e * ef:(e + 1) * ef]
            row[to_at] = position[row[to_at] // nf] * nf
            new_edges.extend(row)
    data["nodes"], data["edges"] = new_nodes, new_edges
    if "locations" in data and "location_fields" in meta:
        lf = len(meta["location_fields"])
        at = meta["location_fields"].index("object_index")
        locations = data["locations"]
        for i in range(0, len(locations), lf):
            locations[i + at] = position[locations[i + at] // nf] * nf
    out.write_text(json.dumps(data))
    return out
