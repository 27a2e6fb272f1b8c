#!/usr/bin/env python3
"""Writes tests/data/rules.heapsnapshot: a hand-made graph that exercises DevTools' rules the
Node samples rarely hit (its golden numbers come from DevTools itself, tests/golden/):

- `<div id="a">` natives classed `<div>`; detachedness 1/2 propagated through natives only,
  detached ones renamed `Detached <div>`; `system / ExternalStringData` folded into its string;
- two constructors with one name at different locations (two class rows), a location-less one;
- plain objects with `{a, b}` interfaces (property names needing quotes), `__proto__` edges;
- an object node literally named `Function` beside closures (two class keys, one name);
- a WeakMap: key->value and table->value ephemeron edges;
- a `(map descriptors)` array whose descriptor slots do not count for distances;
- the native context's `sloppy_function_map` edge; a numeric shortcut edge name;
- a node reachable only through a weak edge, and an unreachable cycle.
"""

from __future__ import annotations

import json
from pathlib import Path

NT = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native",
      "synthetic", "concatenated string", "sliced string", "symbol", "bigint", "object shape"]
ET = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
F = 7
META = {
    "node_fields": ["type", "name", "id", "self_size", "edge_count", "trace_node_id",
                    "detachedness"],
    "node_types": [NT, "string", "number", "number", "number", "number", "number"],
    "edge_fields": ["type", "name_or_index", "to_node"],
    "edge_types": [ET, "string_or_number", "node"],
    "trace_function_info_fields": ["function_id", "name", "script_name", "script_id",
                                   "line", "column"],
    "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
    "sample_fields": ["timestamp_us", "last_assigned_id"],
    "location_fields": ["object_index", "script_id", "line", "column"]}
strings = ["<dummy>"]


def s(x: str) -> int:
    if x not in strings:
        strings.append(x)
    return strings.index(x)


EPH = "{} / part of key (Key @{}) -> value (Val @{}) pair in WeakMap (table @{})"
# (type, name, id, self_size, detachedness, edges[(type, name_or_index, target ordinal)])
spec = [
    ("synthetic", "", 1, 0, 0, [("shortcut", "global", 3), ("element", 1, 1),
                                ("shortcut", "7", 4)]),                      # 0 root
    ("synthetic", "(GC roots)", 3, 0, 0, [("element", 1, 2)]),               # 1
    ("synthetic", "(Handle scope)", 5, 0, 0, [("internal", "1", 26)]),       # 2
    ("object", "global", 7, 100, 0, [("property", "doc", 5), ("property", "a", 9),
                                     ("property", "b", 10), ("property", "c", 11),
                                     ("property", "d", 12), ("property", "wm", 13),
                                     ("property", "keys", 14), ("property", "fn", 17),
                                     ("property", "f2", 18), ("internal", "ctx", 19),
                                     ("weak", "w", 24), ("property", "s", 22)]),  # 3
    ("object", "Window2", 9, 50, 0, [("property", "x", 9)]),                  # 4 second user root
    ("native", '<div id="main">', 2, 30, 1, [("element", 1, 6), ("hidden", 1, 7)]),  # 5 attached
    ("native", '<span class="x">', 4, 20, 0, [("element", 1, 8)]),           # 6 -> attached
    ("native", "<p>", 6, 10, 0, []),                                         # 7 via hidden edge
    ("native", "<b>", 8, 10, 2, []),                                         # 8 detached, visited
    ("object", "Object", 11, 24, 0, [("property", "a", 15), ("property", "b", 16),
                                     ("property", "__proto__", 20)]),       # 9 {a, b}
    ("object", "Object", 13, 24, 0, [("property", "a", 15), ("property", "b", 16),
                                     ("property", "c", 15)]),               # 10 {a, b} superset
    ("object", "Object", 15, 24, 0, [("property", "we,ird", 15), ("property", "q", 16)]),  # 11
    ("object", "Object", 17, 24, 0, [("property", "we,ird", 15), ("property", "q", 16)]),  # 12
    ("object", "WeakMap", 19, 32, 0, [("internal", "table", 21)]),          # 13
    ("object", "Array", 21, 16, 0, [("internal", "elements", 23)]),         # 14 keys
    ("object", "Point", 23, 40, 0, []),                                      # 15 location A
    ("object", "Point", 25, 40, 0, []),                                      # 16 location B
    ("closure", "Function", 27, 32, 0, [("internal", "context", 19)]),      # 17 a closure
    ("object", "Function", 29, 48, 0, []),                                   # 18 object "Function"
    ("hidden", "system / NativeContext", 31, 64, 0,
     [("internal", "sloppy_function_map", 25), ("internal", "map_desc", 26)]),  # 19
    ("object", "Object", 33, 8, 0, []),                                      # 20 proto (no props)
    ("array", "(object elements)", 35, 64, 0, [(  # 21 WeakMap table -> value (non-essential)
        "internal", EPH.format(1, 37, 39, 35), 27)]),
    ("string", "hello", 41, 32, 0, [("internal", "resource", 28)]),         # 22
    ("array", "", 43, 80, 0, [("element", 0, 29)]),                          # 23 keys store
    ("object", "Weakling", 45, 5, 0, []),                                    # 24 weak only
    ("object", "Map", 47, 44, 0, []),                                        # 25 sloppy map
    ("array", "(map descriptors)", 49, 72, 0, [("internal", "0", 30), ("internal", "4", 31),
                                               ("internal", "5", 32)]),      # 26
    ("object", "Val", 39, 56, 0, [("property", "big", 33)]),                # 27 WeakMap value
    ("native", "system / ExternalStringData", 51, 500, 0, []),               # 28
    ("object", "Key", 37, 16, 0, [("internal", EPH.format(2, 37, 39, 35), 27)]),  # 29 key
    ("object", "Desc0", 53, 8, 0, []),                                       # 30
    ("object", "Desc4", 55, 8, 0, []),                                       # 31 index 4: 4%3==1
    ("object", "Desc5", 57, 8, 0, []),                                       # 32
    ("object", "Big", 59, 1000, 0, []),                                      # 33
    ("object", "Island", 61, 3, 0, [("property", "p", 35)]),                # 34 unreachable
    ("object", "Island", 63, 4, 0, [("property", "p", 34)]),                # 35
]
locations = [(15, 77, 10, 4), (16, 77, 20, 4)]  # (ordinal, script, line, column)


def main() -> None:
    nodes: list[int] = []
    edges: list[int] = []
    for t, name, nid, size, det, es in spec:
        nodes += [NT.index(t), s(name), nid, size, len(es), 0, det]
        for et, n, to in es:
            edges += [ET.index(et), n if et in ("element", "hidden") else s(str(n)), to * F]
    snap = {"snapshot": {"meta": META,
                         "node_count": len(spec), "edge_count": len(edges) // 3,
                         "trace_function_count": 0},
        "nodes": nodes, "edges": edges, "trace_function_infos": [], "trace_tree": [],
        "samples": [], "locations": [v for o, sc, li, co in locations for v in (o * F, sc, li, co)],
        "strings": strings}
    out = Path(__file__).with_name("rules.heapsnapshot")
    out.write_text(json.dumps(snap))


if __name__ == "__main__":
    main()
