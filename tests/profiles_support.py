"""Helpers for tests/test_profiles_*.py: real Node runs, synthetic call trees, and plain
reference walks that say what the vectorised code must compute."""

from __future__ import annotations

import json
import random
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from conftest import node_binary

PROGRAMS = Path(__file__).parent / "programs"
LEAK_CJS = PROGRAMS / "profiles_leak.js"
LEAK_ESM = PROGRAMS / "profiles_leak.mjs"
TRACKED = PROGRAMS / "profiles_tracked_leak.js"
SESSIONS = 3000  # LeakedSession objects profiles_tracked_leak.js keeps

SiteKey = tuple[str, str, int, int, int]


def line_of(program: Path, text: str) -> tuple[int, str]:
    """The 1-based number and the text of the first line of ``program`` containing ``text``."""
    for number, line in enumerate(program.read_text().splitlines(), start=1):
        if text in line:
            return number, line
    raise AssertionError(f"{text!r} is not in {program}")


def heap_prof(program: Path, out: Path, *args: str) -> Path:
    """Run a program under --heap-prof (sampling every KiB) and return its profile."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([node_binary(), "--no-opt", "--expose-gc", "--heap-prof",
                    f"--heap-prof-dir={out}", "--heap-prof-interval=1024", str(program), *args],
                   check=True, timeout=60, capture_output=True)
    (profile,) = out.glob("*.heapprofile")
    return profile


def tracked_snapshot(out: Path, track: bool = True) -> Path:
    """profiles_tracked_leak.js's snapshot, with allocation tracking unless told not."""
    path = out / ("tracked.heapsnapshot" if track else "untracked.heapsnapshot")
    flags = ["--track-heap-objects"] if track else []
    subprocess.run([node_binary(), "--expose-gc", *flags, str(TRACKED), str(path),
                    str(SESSIONS)], check=True, timeout=60, capture_output=True)
    return path


# --- heap profiles ------------------------------------------------------------------------

def frame_key(cf: dict[str, Any]) -> SiteKey:
    url = cf["url"]
    sid = int(cf["scriptId"]) if str(cf["scriptId"]).isdigit() else 0
    return (cf["functionName"], url, cf["lineNumber"] + 1, cf["columnNumber"] + 1,
            0 if url else sid)


def is_builtin(cf: dict[str, Any]) -> bool:
    return not cf["url"] and str(cf["scriptId"]) in ("0", "")


def reference_sites(doc: dict[str, Any], fold_native: bool = True
                    ) -> dict[SiteKey, tuple[int, int]]:
    """Site -> (self, total) by walking every root-to-node path: a node's bytes go to its own
    site as self, and once to every distinct site on its path as total. A builtin's site is
    its caller's (unless its caller is the root) when folding."""
    self_by: Counter[SiteKey] = Counter()
    total_by: Counter[SiteKey] = Counter()
    head = doc["head"]
    stack: list[tuple[dict[str, Any], SiteKey | None, tuple[SiteKey, ...]]] = [
        (child, None, ()) for child in head["children"]]
    while stack:
        node, caller, path = stack.pop()
        cf = node["callFrame"]
        own = caller if fold_native and caller is not None and is_builtin(cf) \
            else frame_key(cf)
        on_path = (*path, own)
        self_by[own] += node["selfSize"]
        for site in set(on_path):
            total_by[site] += node["selfSize"]
        stack.extend((child, own, on_path) for child in node["children"])
    return {k: (self_by[k], total_by[k]) for k in total_by if total_by[k] > 0}


def site_key(site: Any) -> SiteKey:
    return (site.function, site.script, site.line, site.column,
            0 if site.script else site.frame.script_id)


def random_profile(nodes: int, seed: int, functions: int = 40,
                   window: int | None = 8) -> dict[str, Any]:
    """A random call tree with recursion, chains of builtins, scripts without a url, and one
    url under two script ids; built without recursion. Each node's parent is one of the
    ``window`` nodes made just before it (deep, long chains) or any earlier node (None:
    shallow and bushy)."""
    rng = random.Random(seed)

    def frame() -> dict[str, Any]:
        f = rng.randrange(functions)
        if f % 5 == 0:  # a builtin
            return {"functionName": f"native{f}", "scriptId": "0", "url": "",
                    "lineNumber": -1, "columnNumber": -1}
        if f % 7 == 0:  # a script V8 could not name
            return {"functionName": f"lost{f}", "scriptId": str(100 + f % 3), "url": "",
                    "lineNumber": -1, "columnNumber": -1}
        return {"functionName": f"f{f}", "scriptId": str(1 + rng.randrange(2)),
                "url": f"/app/m{f % 3}.js", "lineNumber": f, "columnNumber": 2 * f}

    root = {"callFrame": {"functionName": "(root)", "scriptId": "0", "url": "",
                          "lineNumber": -1, "columnNumber": -1},
            "selfSize": 0, "id": 1, "children": []}
    all_nodes = [root]
    for i in range(1, nodes):
        parent = all_nodes[rng.randrange(0 if window is None else max(0, i - window), i)]
        node = {"callFrame": frame(), "selfSize": rng.choice((0, rng.randrange(1, 10_000))),
                "id": i + 1, "children": []}
        parent["children"].append(node)
        all_nodes.append(node)
    samples = [{"size": n["selfSize"], "nodeId": n["id"], "ordinal": k}
               for k, n in enumerate(all_nodes) if n["selfSize"]]
    return {"head": root, "samples": samples}


def chain_profile(depth: int) -> bytes:
    """A single chain `(root) -> f -> f -> ...` of ``depth`` frames, 1 KiB each, as JSON text
    written without nesting Python objects."""
    cf = json.dumps({"functionName": "f", "scriptId": "1", "url": "/app/deep.js",
                     "lineNumber": 0, "columnNumber": 0})
    root_cf = json.dumps({"functionName": "(root)", "scriptId": "0", "url": "",
                          "lineNumber": -1, "columnNumber": -1})
    parts = [f'{{"head":{{"callFrame":{root_cf},"selfSize":0,"id":1,"children":[']
    parts += [f'{{"callFrame":{cf},"selfSize":1024,"id":{i + 2},"children":['
              for i in range(depth)]
    parts.append("]}" * depth + ']},"samples":[]}')
    return "".join(parts).encode()


# --- tracked snapshots -------------------------------------------------------------------

def decode_snapshot(path: Path) -> dict[str, Any]:
    return json.loads(path.read_bytes())  # type: ignore[no-any-return]


def nodes_named(doc: dict[str, Any], name: str) -> tuple[list[int], list[int], list[int]]:
    """(trace_node_ids, self sizes, node ids) of the snapshot's nodes with this name."""
    fields = doc["snapshot"]["meta"]["node_fields"]
    width = len(fields)
    i_name, i_trace, i_size, i_id = (fields.index("name"), fields.index("trace_node_id"),
                                     fields.index("self_size"), fields.index("id"))
    flat = doc["nodes"]
    want = doc["strings"].index(name)
    tids, sizes, ids = [], [], []
    for k in range(0, len(flat), width):
        if flat[k + i_name] == want:
            tids.append(flat[k + i_trace])
            sizes.append(flat[k + i_size])
            ids.append(flat[k + i_id])
    return tids, sizes, ids


def all_nodes(doc: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(trace_node_ids, self sizes) of every node."""
    fields = doc["snapshot"]["meta"]["node_fields"]
    width = len(fields)
    i_trace, i_size = fields.index("trace_node_id"), fields.index("self_size")
    flat = doc["nodes"]
    return flat[i_trace::width], flat[i_size::width]


def reference_trace_sites(doc: dict[str, Any], tids: list[int], sizes: list[int]
                          ) -> dict[SiteKey, tuple[int, int, int]]:
    """Site -> (count, self, total) by walking each object's allocation stack."""
    infos = doc["trace_function_infos"]
    names = doc["snapshot"]["meta"]["trace_function_info_fields"]
    width = len(names)
    strings = doc["strings"]
    parent: dict[int, int | None] = {}
    function: dict[int, int] = {}
    pending: list[tuple[list[Any], int | None]] = [(doc["trace_tree"], None)]
    while pending:
        items, up = pending.pop()
        for k in range(0, len(items), 5):
            parent[items[k]] = up
            function[items[k]] = items[k + 1]
            pending.append((items[k + 4], items[k]))

    def key(fn: int) -> SiteKey:
        row = infos[fn * width:(fn + 1) * width]
        info = dict(zip(names, row, strict=True))
        script = strings[info["script_name"]]
        return (strings[info["name"]], script, info["line"], info["column"],
                0 if script else info["script_id"])

    count: Counter[SiteKey] = Counter()
    self_by: Counter[SiteKey] = Counter()
    total_by: Counter[SiteKey] = Counter()
    for tid, size in zip(tids, sizes, strict=True):
        if tid not in parent or parent[tid] is None:
            continue
        on_stack = set()
        node: int | None = tid
        while node is not None and parent[node] is not None:
            on_stack.add(key(function[node]))
            node = parent[node]
        innermost = key(function[tid])
        count[innermost] += 1
        self_by[innermost] += size
        for site in on_stack:
            total_by[site] += size
    return {k: (count[k], self_by[k], total_by[k]) for k in total_by if total_by[k] > 0}
