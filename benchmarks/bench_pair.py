#!/usr/bin/env python3
"""Comparing two snapshots of one process against reporting the newer one alone: the time
ratio and the peak memory of `leaktui report A B` against `leaktui report B`, each run in a
fresh process, alternating, several rounds (issue 17's target: the pair in at most 2.3x the
time of one report and at most 2.6 GB peak on two 1 GB snapshots).

    flock /tmp/leaktui-heavy.lock python benchmarks/bench_pair.py A B [--rounds 3] [--save DIR]

The ratio of each round is taken from runs made side by side (B, then A B), so a machine
busy with something else slows both; the range over the rounds is printed, never one time
alone. With --save, each run's JSON report goes to DIR and the rounds are checked to give the
same report.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_report(paths: list[str], out: Path | None) -> tuple[float, int, bytes]:
    """(wall seconds, peak RSS in bytes, JSON) of one `leaktui report --format json` in a
    fresh process, reaped with wait4 for its own peak (Linux: ru_maxrss in KiB)."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "leaktui.cli", "report", "--format",
                                 "json", *paths], stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        report, problem = stdout.read(), stderr.read()
    if proc.returncode not in (0, 1):  # 1: a suspect as severe as --fail-on (not given)
        raise SystemExit(f"report {' '.join(paths)} failed ({proc.returncode}): "
                         f"{problem.decode(errors='replace').strip()}")
    if out is not None:
        out.write_bytes(report)
    return elapsed, usage.ru_maxrss * 1024, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", type=Path, help="write each run's JSON report here")
    args = parser.parse_args()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    mib = 1024 * 1024
    ratios: list[float] = []
    singles: list[float] = []
    pairs: list[float] = []
    peaks: list[int] = []
    reports: set[bytes] = set()
    for r in range(1, args.rounds + 1):
        single = run_report([args.target], args.save / f"single-{r}.json" if args.save else None)
        pair = run_report([args.base, args.target],
                          args.save / f"pair-{r}.json" if args.save else None)
        reports.add(pair[2])
        ratio = pair[0] / single[0]
        ratios.append(ratio)
        singles.append(single[0])
        pairs.append(pair[0])
        peaks.append(pair[1])
        print(f"round {r}: report B {single[0]:.1f} s ({single[1] / mib:,.0f} MiB), "
              f"report A B {pair[0]:.1f} s ({pair[1] / mib:,.0f} MiB): {ratio:.2f}x", flush=True)
    print(f"{args.rounds} rounds: report B {min(singles):.1f}-{max(singles):.1f} s, "
          f"report A B {min(pairs):.1f}-{max(pairs):.1f} s, ratio {min(ratios):.2f}-"
          f"{max(ratios):.2f}x (target <= 2.3x), pair peak {min(peaks) / mib:,.0f}-"
          f"{max(peaks) / mib:,.0f} MiB (target <= {2.6e9 / mib:,.0f} MiB)")
    if args.save and len(reports) > 1:
        raise SystemExit("the pair's report differed between rounds")


if __name__ == "__main__":
    main()
