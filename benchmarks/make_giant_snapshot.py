#!/usr/bin/env python3
"""Write a giant heap snapshot from a real V8-written one: its graph replicated K times.

    python benchmarks/make_giant_snapshot.py SRC.heapsnapshot[.gz] OUT.heapsnapshot K

Node cannot write a 5 GB snapshot on a 24 GB machine (it is OOM-killed writing a 45M-object
heap), so the giant file for the benchmarks is made from a 1 GB one. The result is one
snapshot whose root holds K copies of the source graph: the root's own edges are repeated for
each copy (element indices renumbered), every other node and edge is copied K times with its
node index moved by a per-copy offset and its id made unique (V8's odd/even id split kept),
and the string table, allocation traces and samples are shared. Copies are disjoint below the
root, so every object of copy k has the same retained size, distance and class as its
original: `tests/test_giant_snapshot.py` checks exactly that on a small K.

The file is written in chunks (a few million numbers at a time), so memory stays near the
source's arrays whatever K is.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CHUNK = 1 << 22  # numbers formatted per write


def _read(path: Path) -> bytes:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as fh:
        return fh.read()


def _sections(data: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of each top-level array's contents (between its brackets)."""
    names = ["nodes", "edges", "trace_function_infos", "trace_tree", "samples", "locations",
             "strings"]
    starts = {}
    for name in names:
        m = re.compile(rb'[{,]\s*"' + name.encode() + rb'"\s*:\s*\[').search(data)
        if m is None:
            raise SystemExit(f"{name!r} section not found: not a V8 heap snapshot")
        starts[name] = m.end()
    order = sorted(names, key=starts.__getitem__)
    ranges = {}
    for name, following in zip(order, [*order[1:], None], strict=True):
        end = starts[following] if following else len(data)
        # The contents end at the last ']' before the next section's key.
        ranges[name] = (starts[name], data.rindex(b"]", starts[name], end))
    return ranges


def _ints(data: bytes, span: tuple[int, int]) -> np.ndarray:
    body = data[span[0]:span[1]]
    if not body.strip():
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(body, dtype=np.int64, sep=",")  # type: ignore[call-overload]


_POWERS = 10 ** np.arange(20, dtype=np.uint64)


def _decimal(values: np.ndarray) -> bytes:
    """Non-negative integers as comma-separated decimal text, formatted by numpy one digit
    position at a time (str() per number is ~20x slower: minutes for a 5 GB file)."""
    v = values.astype(np.uint64)
    digits = np.ones(v.shape[0], dtype=np.int64)
    for p in _POWERS[1:]:
        more = v >= p
        if not more.any():
            break
        digits += more
    ends = np.cumsum(digits + 1)  # each number and its comma
    out = np.full(int(ends[-1]) if len(ends) else 0, ord(","), dtype=np.uint8)
    last = ends - 2  # position of the number's last digit
    for j in range(int(digits.max()) if len(digits) else 0):
        has = digits > j
        out[last[has] - j] = (v[has] // _POWERS[j] % 10 + ord("0")).astype(np.uint8)
    return out[:-1].tobytes()  # no comma after the last


def _format(values: np.ndarray) -> Iterator[bytes]:
    for start in range(0, len(values), CHUNK):
        yield _decimal(values[start:start + CHUNK])


def replicate(src: Path, out: Path, copies: int) -> tuple[int, int]:
    """Write `copies` copies of SRC's graph under one root to OUT; returns (nodes, edges)."""
    data = _read(src)
    spans = _sections(data)
    head = data[:data.index(b"{", 1)]  # '{"snapshot":'
    meta_end = data.rindex(b"}", 0, spans["nodes"][0]) + 1
    snapshot_info = json.loads(data[len(head):meta_end])
    meta = snapshot_info["meta"]
    nf, ef = meta["node_fields"], meta["edge_fields"]
    F, EF = len(nf), len(ef)
    f_id, f_edges = nf.index("id"), nf.index("edge_count")
    e_type, e_name, e_to = ef.index("type"), ef.index("name_or_index"), ef.index("to_node")
    element = meta["edge_types"][0].index("element")
    nodes = _ints(data, spans["nodes"]).reshape(-1, F)
    edges = _ints(data, spans["edges"]).reshape(-1, EF)
    n, e = len(nodes), len(edges)
    root_edges = int(nodes[0, f_edges])
    if np.any(edges[:, e_to] == 0):
        raise SystemExit("the source has edges to its root: cannot replicate it")
    # Copy k of id i is 2*(h*K + k) + i%2 with h = i//2: unique, V8's odd/even split kept, and
    # below 2**32 as V8's own ids are (it writes them as uint32) while max id * K is. A
    # long-running process's ids are sparse: when max id * K would not fit, h is the rank of
    # i//2 among the snapshot's ids instead (same order, same parity, dense).
    half = nodes[:, f_id] >> 1
    if (int(half.max()) + 1) * copies * 2 >= 2**32:
        half = np.unique(half, return_inverse=True)[1].reshape(-1).astype(np.int64)
        if (int(half.max()) + 1) * copies * 2 >= 2**32:
            raise SystemExit(f"ids would pass 2**32 with {copies} copies: use fewer")

    def moved(to_node: np.ndarray, k: int) -> np.ndarray:
        # Node i >= 1 of copy k sits at 1 + k*(n-1) + (i-1).
        return (to_node // F + k * (n - 1)) * F

    total_nodes, total_edges = 1 + copies * (n - 1), copies * e
    snapshot_info["node_count"] = total_nodes
    snapshot_info["edge_count"] = total_edges

    with open(out, "wb") as fh:
        fh.write(head + json.dumps(snapshot_info, separators=(",", ":")).encode())
        fh.write(b',\n"nodes":[')
        root = nodes[0].copy()
        root[f_edges] = copies * root_edges
        fh.write(",".join(map(str, root.tolist())).encode())
        body = nodes[1:]
        for k in range(copies):
            block = body.copy()
            block[:, f_id] = 2 * (half[1:] * copies + k) + (block[:, f_id] & 1)
            for text in _format(block.ravel()):
                fh.write(b"," + text)
        fh.write(b'],\n"edges":[')
        first = True
        own = edges[:root_edges]
        for k in range(copies):  # the root's edges, one run per copy
            block = own.copy()
            block[:, e_to] = moved(block[:, e_to], k)
            is_index = block[:, e_type] == element
            block[is_index, e_name] += k * root_edges
            for text in _format(block.ravel()):
                fh.write(text if first else b"," + text)
                first = False
        rest = edges[root_edges:]
        for k in range(copies):
            for start in range(0, len(rest), CHUNK // EF):
                block = rest[start:start + CHUNK // EF].copy()
                block[:, e_to] = moved(block[:, e_to], k)
                for text in _format(block.ravel()):
                    fh.write(b"," + text)
        for name in ("trace_function_infos", "trace_tree", "samples"):
            a, b = spans[name]
            fh.write(b'],\n"' + name.encode() + b'":[' + data[a:b])
        locations = _ints(data, spans["locations"]).reshape(-1, len(meta["location_fields"]))
        fh.write(b'],\n"locations":[')
        first = True
        for k in range(copies):
            block = locations.copy()
            if len(block):
                block[:, 0] = moved(block[:, 0], k)
            for text in _format(block.ravel()):
                fh.write(text if first else b"," + text)
                first = False
        a, b = spans["strings"]
        fh.write(b'],\n"strings":[' + data[a:b] + b"]}\n")
    return total_nodes, total_edges


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("copies", type=int)
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error("K must be at least 1")
    t0 = time.perf_counter()
    n, e = replicate(args.src, args.out, args.copies)
    size = args.out.stat().st_size
    print(f"{args.out}: {n:,} nodes, {e:,} edges, {size / 1e9:.2f} GB "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
