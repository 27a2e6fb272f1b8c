#!/usr/bin/env python3
"""Benchmark search and duplicated strings on one snapshot (after loading it).

    python benchmarks/bench_search.py SNAP [--query TEXT ...]

Times, after the load: HeapSearch.prepare() (what the TUI does in a worker once loaded), the
first search for each query, the same query again (answered from the cache), and
find_duplicate_strings; with peak RSS. The default queries suit the snapshot that
`benchmarks/bench_core.py --make` writes (session users `user-N`, cache keys `kN`).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaktui.snapshot import load_snapshot  # noqa: E402
from leaktui.snapshot.duplicates import find_duplicate_strings  # noqa: E402
from leaktui.snapshot.search import HeapSearch  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--query", action="append", default=None)
    args = parser.parse_args()
    t0 = time.perf_counter()
    snap = load_snapshot(args.path)
    out: dict[str, object] = {"nodes": snap.node_count, "edges": snap.edge_count,
                              "strings": len(snap.strings),
                              "load_s": round(time.perf_counter() - t0, 2),
                              "peak_after_load_mb": round(peak_mb())}
    middle = snap.node_count // 10  # a user id that exists in the bench snapshot
    queries = list(dict.fromkeys(args.query or [f"user-{middle}", "re:^user-1234\\d\\d$",
                                                "Session"]))
    search = HeapSearch(snap)
    t0 = time.perf_counter()
    search.prepare()
    out["prepare_s"] = round(time.perf_counter() - t0, 3)
    for q in queries:
        t0 = time.perf_counter()
        result = search.find(q)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        search.find(q)
        again = time.perf_counter() - t0
        t0 = time.perf_counter()
        page = result.page(0, 20)
        paths = [snap.path_names(f.node) for f in page[:5]]
        page_s = time.perf_counter() - t0
        out[q] = {"first_s": round(first, 3), "again_s": round(again, 6),
                  "first_page_and_5_paths_s": round(page_s, 3), "total": result.total,
                  "counts": result.counts, "path": ".".join(paths[0]) if paths else None}
    t0 = time.perf_counter()
    dups = find_duplicate_strings(snap)
    out["duplicates_s"] = round(time.perf_counter() - t0, 3)
    out["duplicate_groups"] = len(dups)
    out["peak_mb"] = round(peak_mb())
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
