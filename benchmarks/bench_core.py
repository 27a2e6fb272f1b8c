#!/usr/bin/env python3
"""Benchmark the snapshot core: per-phase times and peak RSS for load + full analysis, side by
side with DevTools' own worker.

    python benchmarks/bench_core.py --make 1000          # write a ~1 GB snapshot with Node first
    python benchmarks/bench_core.py SNAP [SNAP2] [--oracle DIR] [--suspects] [--repeat N]
    python benchmarks/bench_core.py BASE TARGET --lean   # the base kept lean (lean.py)
    python benchmarks/bench_core.py --fresh-install SNAP # first run after `pip install .` vs the
                                                         # second, and the installed size

With two snapshots the comparison is timed too (load of both included); with --lean every
snapshot but the last is loaded lean (ids, classes and sizes: what the comparison and the
survivors read) and the survivors are timed too. With --oracle, DevTools'
own code (../shared/oracle, built) runs on the same file in the same run, alternating with
leaktui, and the ratios are printed. Each measurement runs in a fresh process so peak RSS is that
run's own. The machine may be shared: --repeat gives ranges, and the ratios of runs made side by
side mean more than any single time.
"""

from __future__ import annotations

import argparse
import json
import os
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


def measure(paths: list[str], suspects: bool = False, lean: bool = False) -> dict:
    code = f"""
import json, resource, time, sys
sys.path.insert(0, {str(HERE.parent)!r})
from leaktui.snapshot import load_snapshot
from leaktui.snapshot.diff import compare
from leaktui.snapshot.lean import load_lean
from leaktui.snapshot.growth import survivors
from leaktui.snapshot._memory import recycling
recycling().__enter__()  # as `report` and the TUI load (pages of big arrays handed on)
t0 = time.perf_counter()
paths = {paths!r}
snaps = [load_lean(p) if {lean!r} and i < len(paths) - 1 else load_snapshot(p)
         for i, p in enumerate(paths)]
t1 = time.perf_counter()
result = {{"load_and_analyse_s": t1 - t0, "phases": [s.timings.phases for s in snaps],
          "nodes": [s.node_count for s in snaps], "edges": [s.edge_count for s in snaps]}}
if len(snaps) > 1:
    rows = compare(snaps[0], snaps[-1])
    result["compare_s"] = time.perf_counter() - t1
    if len(snaps) > 2:
        t2 = time.perf_counter()
        survivors(snaps)
        result["survivors_s"] = time.perf_counter() - t2
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
    t0 = time.perf_counter()
    cpu0 = _children_cpu()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - t0  # interpreter start and imports included
    result["process_cpu_s"] = _children_cpu() - cpu0  # user + system, every thread
    return result


def _children_cpu() -> float:
    """User + system CPU of the finished child processes: on a shared, loaded machine a
    steadier measure than wall time (a process waiting for a core costs no CPU)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _time_output(stderr: str) -> tuple[float, float]:
    """(peak RSS MiB, user + system s) from /usr/bin/time -f "%M %U %S" (its last line)."""
    peak, user, system = stderr.strip().splitlines()[-1].split()
    return int(peak) / 1024, float(user) + float(system)


def oracle(path: str, oracle_dir: str) -> dict:
    """DevTools' worker on ``path`` in its own process (via /usr/bin/time for its own peak)."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "node",
                           "--max-old-space-size=16000", str(Path(oracle_dir) / "oracle.js"),
                           path, "--quiet", "--stats"],
                          check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak, cpu = _time_output(proc.stderr)
    return {"oracle_s": wall, "oracle_cpu_s": cpu, "oracle_peak_rss_mb": peak}


def report_run(python: str, path: str) -> dict:
    """`leaktui report` as a user runs it: wall time including interpreter start, peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", python, "-m", "leaktui.cli",
                           "report", "--format", "json", path], check=True, capture_output=True,
                          text=True, cwd="/")
    peak, cpu = _time_output(proc.stderr)
    return {"report_s": time.perf_counter() - t0, "report_cpu_s": cpu,
            "report_peak_rss_mb": peak}


def fresh_install(path: str) -> dict:
    """`pip install .` (locked versions) into a new venv, then `leaktui report` twice: the
    first run after the install against the second; and how big the environment is."""
    import shutil
    import tempfile

    venv = Path(tempfile.mkdtemp(prefix="leaktui-bench-venv-"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        t0 = time.perf_counter()
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(HERE.parent)],
                       check=True, env={**__import__("os").environ,
                                        "PIP_CONSTRAINT": str(HERE.parent / "requirements" /
                                                              "lock.txt")})
        install_s = time.perf_counter() - t0
        python = str(venv / "bin" / "python")
        first = report_run(python, path)
        second = report_run(python, path)
        size = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True,
                              check=True).stdout.split()[0]
        return {"install_s": install_s, "first_report_s": first["report_s"],
                "second_report_s": second["report_s"], "installed_env_mb": int(size)}
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def precompile() -> None:
    """Write the bytecode caches of this checkout's leaktui, so each measured process reads
    them as an installed leaktui does (pip compiles them at install). Where the environment
    sets PYTHONDONTWRITEBYTECODE, a source checkout never gets them and every run would
    compile ~60 modules again (~0.1 s CPU)."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "leaktui"), quiet=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--make", type=int, metavar="MB", help="write a snapshot of about MB")
    parser.add_argument("--out", default="/tmp/leaktui-bench.heapsnapshot")
    parser.add_argument("--oracle", metavar="DIR", help="also run DevTools' code from DIR")
    parser.add_argument("--lean", action="store_true",
                        help="load every snapshot but the last lean (a lean comparison)")
    parser.add_argument("--suspects", action="store_true",
                        help="also time the leak-suspect scan after loading")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="measure N times (alternating with DevTools) and give ranges")
    parser.add_argument("--report", action="store_true",
                        help="also time `leaktui report` on the last file, start to end")
    parser.add_argument("--fresh-install", action="store_true",
                        help="install into a new venv and time the first and second report")
    args = parser.parse_args()
    if args.fresh_install:
        if not args.paths:
            parser.error("--fresh-install needs a snapshot")
        print(json.dumps(fresh_install(args.paths[-1]), indent=1))
        return 0
    if args.make:
        make(args.make, Path(args.out))
        if not args.paths:
            args.paths = [args.out]
    if not args.paths:
        parser.error("give a snapshot or --make MB")
    if args.lean and args.suspects:
        parser.error("--suspects read older snapshots' graphs: not with --lean")
    precompile()  # bytecode caches present, as after `pip install`
    for p in args.paths:
        size = Path(p).stat().st_size / 1e6
        print(f"{p}: {size:,.0f} MB")
    runs: list[dict] = []
    for _ in range(args.repeat):
        result = measure(args.paths, suspects=args.suspects, lean=args.lean)
        if args.report:
            result.update(report_run(sys.executable, args.paths[-1]))
        if args.oracle:
            result.update(oracle(args.paths[-1], args.oracle))
            result["speedup_vs_devtools"] = result["oracle_s"] / result["process_s"]
            result["cpu_speedup_vs_devtools"] = result["oracle_cpu_s"] / result["process_cpu_s"]
            if "report_s" in result:
                result["report_speedup_vs_devtools"] = result["oracle_s"] / result["report_s"]
                result["report_cpu_speedup_vs_devtools"] = (
                    result["oracle_cpu_s"] / result["report_cpu_s"])
            result["memory_vs_devtools"] = result["peak_rss_mb"] / result["oracle_peak_rss_mb"]
        print(json.dumps(result))
        runs.append(result)
    keys = ["process_s", "process_cpu_s", "load_and_analyse_s", "compare_s", "total_s",
            "peak_rss_mb", "report_s", "report_cpu_s", "report_peak_rss_mb", "oracle_s",
            "oracle_cpu_s", "oracle_peak_rss_mb", "speedup_vs_devtools",
            "cpu_speedup_vs_devtools", "report_speedup_vs_devtools",
            "report_cpu_speedup_vs_devtools", "memory_vs_devtools", "suspects_s"]
    print("ranges over", len(runs), "run(s); load average now",
          " ".join(f"{x:.1f}" for x in os.getloadavg()))
    for key in keys:
        values = [r[key] for r in runs if key in r]
        if values:
            print(f"  {key:22} {min(values):9.2f} .. {max(values):9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
