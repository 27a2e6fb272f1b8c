#!/usr/bin/env python3
"""Writes tests/data/strings.heapsnapshot: a hand-made graph for DevTools' duplicated-string
rules that the Node samples rarely hit (golden numbers from DevTools itself, tests/golden/):

- equal strings of different sizes; a string with no equal one (no group);
- concatenated strings: joined from their `first`/`second` parts (nested too), grouped with an
  equal flat string or with each other when split differently;
- a flattened concatenated string (an empty part) left out; sliced and zero-size strings left
  out;
- truncated strings (internal `truncated` -> bool `true`, `length` and `hash` ints): grouped by
  (text, length, hash), apart from untruncated strings with the same text.
"""

from __future__ import annotations

import json
from pathlib import Path

from make_rules import ET, META, NT, F  # the same node/edge layout as the rules snapshot

LONG = "x" * 1024
strings = ["<dummy>"]
nodes: list[tuple[str, str, int, list[tuple[str, str | int, int]]]] = []


def s(x: str) -> int:
    if x not in strings:
        strings.append(x)
    return strings.index(x)


def node(kind: str, name: str, size: int, edges: list[tuple[str, str | int, int]] | None = None
         ) -> int:
    nodes.append((kind, name, size, edges if edges is not None else []))
    return len(nodes) - 1


def cons(first: int, second: int, size: int = 32) -> int:
    return node("concatenated string", "(concatenated string)", size,
                [("internal", "first", first), ("internal", "second", second)])


def helper(kind: str, value: str) -> int:
    """A number helper node (`int` or `bool`) with its `value`, as V8 writes them."""
    v = node("string", value, 0)
    return node("number", kind, 16, [("internal", "value", v)])


def truncated(text: str, length: int, hash_: int) -> int:
    return node("string", text, 1040, [
        ("internal", "truncated", helper("bool", "true")),
        ("internal", "length", helper("int", str(length))),
        ("internal", "hash", helper("int", str(hash_)))])


def main() -> None:
    root = node("synthetic", "", 0)
    gc_roots = node("synthetic", "(GC roots)", 0)
    glob = node("object", "global", 100)
    held: list[int] = [
        node("string", "alpha", 24), node("string", "alpha", 24), node("string", "alpha", 32),
        node("sliced string", "alpha", 20),                       # sliced: not counted
        node("string", "beta", 24),
        cons(node("string", "be", 16), node("string", "ta", 16)),  # "beta": joins the flat one
        cons(node("string", "gam", 16), node("string", "ma", 16)),  # "gamma" split two ways
        cons(node("string", "ga", 16), node("string", "mma", 16)),
        cons(cons(node("string", "de", 16), node("string", "l", 16)), node("string", "ta", 16)),
        node("string", "delta", 20), node("string", "delta", 0),  # size 0: not counted
        cons(node("string", "", 16), node("string", "epsilon", 24)),  # flattened: not counted
        node("string", "epsilon", 24),
        node("string", "zero", 0), node("string", "zero", 0),
        truncated(LONG, 5000, 123), truncated(LONG, 5000, 123), truncated(LONG, 5000, 999),
        truncated(LONG, 6000, 123),
        node("string", LONG, 1040), node("string", LONG, 1040),   # same text, not truncated
        node("string", "solo", 24),
    ]
    nodes[root] = ("synthetic", "", 0, [("shortcut", "global", glob), ("element", 1, gc_roots)])
    nodes[glob] = ("object", "global", 100, [("property", f"s{i}", n)
                                             for i, n in enumerate(held)])
    out_nodes: list[int] = []
    out_edges: list[int] = []
    for i, (kind, name, size, edges) in enumerate(nodes):
        out_nodes += [NT.index(kind), s(name), 2 * i + 1, size, len(edges), 0, 0]
        for et, n, to in edges:
            out_edges += [ET.index(et), n if et in ("element", "hidden") else s(str(n)), to * F]
    snap = {"snapshot": {"meta": META,
                         "node_count": len(nodes), "edge_count": len(out_edges) // 3,
                         "trace_function_count": 0},
        "nodes": out_nodes, "edges": out_edges, "trace_function_infos": [], "trace_tree": [],
        "samples": [], "locations": [], "strings": strings}
    Path(__file__).with_name("strings.heapsnapshot").write_text(json.dumps(snap))


if __name__ == "__main__":
    main()
