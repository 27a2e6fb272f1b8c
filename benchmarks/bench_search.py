#!/usr/bin/env python3
"""Benchmark search and duplicated strings on one snapshot (after loading it).

    python benchmarks/bench_search.py SNAP [--query TEXT ...]
    python benchmarks/bench_search.py SNAP --tui [--query TEXT]   # in the TUI, by keys

Times, after the load: HeapSearch.prepare() (what the TUI does in a worker once loaded), the
first search for each query, the same query again (answered from the cache), and
find_duplicate_strings; with peak RSS. With --tui: in the app (test pilot, 160x50), from
`enter` in the search prompt (`F`, the text) until the instances pane lists what was found,
the first time and again. The default queries suit the snapshot that
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


async def tui(path: str, query: str) -> None:
    from leaktui.tui.app import LeakApp
    from leaktui.tui.widgets import InstanceTable
    from leaktui.tui.widgets.investigate import InvestigationView

    listed: list[float] = []
    list_objects = InvestigationView.list_objects

    def timed_list(self: InvestigationView, nodes: object, title: str) -> None:
        list_objects(self, nodes, title)  # type: ignore[arg-type]
        listed.append(time.perf_counter())

    InvestigationView.list_objects = timed_list  # type: ignore[method-assign]
    app = LeakApp([path])
    async with app.run_test(size=(160, 50)) as pilot:
        while not app.snaps and not app.load_error:
            await pilot.pause(0.05)
        if app.load_error:
            raise SystemExit(app.load_error)
        instances = app.query_one(InstanceTable)
        for attempt in ("first time", "again"):
            await pilot.press("1", "F", *query)
            await pilot.pause(0.1)
            instances.title = ""
            listed.clear()
            t0 = time.perf_counter()
            await pilot.press("enter")
            while not instances.title.startswith("found "):
                if time.perf_counter() - t0 > 120:
                    raise SystemExit("the search did not list anything within 120 s")
                await pilot.pause(0.01)
            idle = time.perf_counter()
            print(f"TUI search {query!r} {attempt}: listed {1000 * (listed[0] - t0):.0f} ms "
                  f"after enter; app idle (screen drawn, first result previewed) after "
                  f"{1000 * (idle - t0):.0f} ms ({len(instances.members):,} objects)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--query", action="append", default=None)
    parser.add_argument("--tui", action="store_true")
    args = parser.parse_args()
    if args.tui:
        import asyncio

        asyncio.run(tui(args.path, (args.query or ["user-1460000"])[0]))
        return 0
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
