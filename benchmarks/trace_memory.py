"""Peak memory per phase of one `report` on a snapshot: where the high-water mark is.

    python benchmarks/trace_memory.py FILE [--no-suspects]

Each phase the loader and the analysis announce (their progress callback), then the suspects,
the duplicated strings and the report's other entries, is measured by the kernel's own
high-water mark (VmHWM of /proc/self/status), reset at each phase's start by writing 5 to
/proc/self/clear_refs: the peak printed for a phase is the most resident memory while it ran.
Linux only; a debugging aid for the benchmarks, not part of leaktui. The resets also reset what
getrusage (and so `/usr/bin/time`) reports as the process's maximum RSS: read the overall peak
printed here, and measure `leaktui report` itself for the whole-command figure. The last step
builds the whole report as `report` does, which finds the duplicated strings a second time."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _status(field: str) -> int:
    """A /proc/self/status field in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


class PhasePeaks:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int, float]] = []  # phase, peak, rss at end, seconds
        self.phase = "start"
        self.started = time.perf_counter()
        self.overall = 0

    def enter(self, phase: str) -> None:
        if phase == self.phase:
            return
        peak = _status("VmHWM")
        self.overall = max(self.overall, peak)
        now = time.perf_counter()
        self.rows.append((self.phase, peak, _status("VmRSS"), now - self.started))
        Path("/proc/self/clear_refs").write_text("5")
        self.phase, self.started = phase, now

    def progress(self, phase: str, fraction: float) -> None:
        self.enter(phase)


def _trace_detectors(suspects: Any, peaks: PhasePeaks) -> None:
    """Each detector, and the suspects' measuring step, a phase of its own."""

    def traced(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            peaks.enter(f"suspects: {name}")
            return function(*args)
        return run

    detectors = []
    for detect in suspects.DETECTORS:
        name = getattr(detect, "__module__", "").rsplit(".", 1)[-1] or repr(detect)
        detectors.append(traced(f"{name}.{detect.__name__}", detect))
    suspects.DETECTORS = type(suspects.DETECTORS)(detectors)
    suspects.grown.measure = traced("grown.measure", suspects.grown.measure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--no-suspects", action="store_true")
    parser.add_argument("--no-recycling", action="store_true",
                        help="free big arrays to the system as they die (LEAKTUI_RECYCLE=0)")
    args = parser.parse_args()
    from leaktui.snapshot._memory import RECYCLE_SETTING, recycling

    if args.no_recycling:
        os.environ[RECYCLE_SETTING] = "0"
    with recycling():  # as `report` runs
        return _trace(args)


def _trace(args: argparse.Namespace) -> int:
    from leaktui.snapshot import load_snapshot

    peaks = PhasePeaks()
    peaks.enter("imports")
    snap = load_snapshot(args.path, peaks.progress)
    if not args.no_suspects:
        peaks.enter("suspects")
        import leaktui.suspects as suspects

        _trace_detectors(suspects, peaks)
        suspects.find_suspects([snap])
    peaks.enter("duplicated strings")
    from leaktui.report_strings import duplicate_strings_entry

    duplicate_strings_entry(snap, None)
    peaks.enter("report")
    from leaktui.report import build_report

    build_report([snap])
    peaks.enter("end")
    width = max(len(r[0]) for r in peaks.rows)
    print(f"{'phase':<{width}}  peak MiB  rss after  seconds")
    for phase, peak, rss, seconds in peaks.rows:
        print(f"{phase:<{width}}  {peak:8d}  {rss:9d}  {seconds:7.2f}")
    print(f"overall peak {peaks.overall} MiB; nodes {snap.node_count}, edges {snap.edge_count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
