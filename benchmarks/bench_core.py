#!/usr/bin/env python3
"""Benchmark the snapshot core: per-phase times and peak RSS for load + full analysis.

    python benchmarks/bench_core.py --make 1000          # write a ~1 GB snapshot with Node first
    python benchmarks/bench_core.py SNAP [SNAP2] [--oracle DIR] [--suspects]

With two snapshots the comparison is timed too (load of both included). With --oracle, DevTools'
own code (../shared/oracle) runs on the same file for reference. Each measurement runs in a
fresh process so peak RSS is that run's own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def make(size_mb: int, out: Path) -> None:
    heap = max(4000, size_mb * 12)
    subprocess.run(["node", f"--max-old-space-size={heap}", str(HERE / "make_big_snapshot.js"),
                    str(out), str(size_mb)], check=True)


def measure(paths: list[str], suspects: bool = False) -> dict:
    code = f"""
import json, resource, time, sys
sys.path.insert(0, {str(HERE.parent)!r})
from leaktui.snapshot import load_snapshot
from leaktui.snapshot.diff import compare
t0 = time.perf_counter()
snaps = [load_snapshot(p) for p in {paths!r}]
t1 = time.perf_counter()
result = {{"load_and_analyse_s": t1 - t0, "phases": [s.timings.phases for s in snaps],
          "nodes": [s.node_count for s in snaps], "edges": [s.edge_count for s in snaps]}}
if len(snaps) > 1:
    rows = compare(snaps[0], snaps[-1])
    result["compare_s"] = time.perf_counter() - t1
    result["total_s"] = time.perf_counter() - t0
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if {suspects!r}:
    from leaktui.suspects import find_suspects
    t2 = time.perf_counter()
    found = find_suspects(snaps)
    result["suspects_s"] = time.perf_counter() - t2
    result["suspects"] = [f"{{s.severity}} {{s.pattern}}: {{s.title}}" for s in found[:3]]
    result["peak_rss_with_suspects_mb"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(result))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def oracle(path: str, oracle_dir: str) -> dict:
    t0 = time.perf_counter()
    subprocess.run(["node", "--max-old-space-size=16000", str(Path(oracle_dir) / "oracle.js"),
                    path, "--quiet", "--stats"], check=True, capture_output=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"oracle_s": wall, "oracle_peak_rss_mb": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--make", type=int, metavar="MB", help="write a snapshot of about MB")
    parser.add_argument("--out", default="/tmp/leaktui-bench.heapsnapshot")
    parser.add_argument("--oracle", metavar="DIR", help="also run DevTools' code from DIR")
    parser.add_argument("--suspects", action="store_true",
                        help="also time the leak-suspect scan after loading")
    args = parser.parse_args()
    if args.make:
        make(args.make, Path(args.out))
        if not args.paths:
            args.paths = [args.out]
    if not args.paths:
        parser.error("give a snapshot or --make MB")
    measure([str(HERE.parent / "tests" / "data" / "mini.heapsnapshot")])  # JIT cache warm-up
    for p in args.paths:
        size = Path(p).stat().st_size / 1e6
        print(f"{p}: {size:,.0f} MB")
    result = measure(args.paths, suspects=args.suspects)
    print(json.dumps(result, indent=1))
    if args.oracle:
        print(json.dumps(oracle(args.paths[-1], args.oracle), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
