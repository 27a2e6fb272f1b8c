#!/usr/bin/env python3
"""Regenerate the golden files from DevTools' own heap-snapshot code (the oracle).

    python tests/golden/make_golden.py [--oracle DIR]

DIR defaults to ../shared/oracle; if it has no build yet it is copied to a temporary folder and
built there with its setup.sh (needs node, npm and the npm registry). For every snapshot in
snapshots_sample/ and tests/data/ this writes:
  tests/golden/<name>.summary.json  totals, statistics and every class row (oracle output)
  tests/golden/<name>.nodes.npz     per node: id, adjusted self size, retained size, distance,
                                    dominator id (oracle output)
  tests/golden/<name>.duplicates.json  DevTools' duplicated-string groups (oracle
                                    --duplicate-strings: value, count, totalSelfSize,
                                    totalRetainedSize, truncation, the first 10 member ids)
and for every series in snapshots_sample/<series>/ the comparisons 1->2, 2->3 and 1->3:
  tests/golden/<series>.diff-<a>-<b>.json
`--only duplicates` regenerates the duplicated-string goldens alone.
The DevTools version is recorded in each file and in tests/golden/DEVTOOLS_VERSION.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def oracle_dir(given: str | None) -> Path:
    src = Path(given) if given else ROOT.parent / "shared" / "oracle"
    if (src / "build" / "devtools_heap.mjs").exists():
        return src
    work = Path(tempfile.mkdtemp(prefix="leaktui-oracle-"))
    shutil.copytree(src, work, dirs_exist_ok=True)
    for p in work.rglob("*"):
        p.chmod(p.stat().st_mode | 0o200)
    subprocess.run(["bash", "setup.sh"], cwd=work, check=True)
    return work


def version(oracle: Path) -> str:
    pkg = oracle / "pkg" / "package" / "package.json"
    return "chrome-devtools-frontend@" + json.loads(pkg.read_text())["version"]


def plain_copy(path: Path, tmp: Path) -> Path:
    if path.read_bytes()[:2] != b"\x1f\x8b":
        return path
    out = tmp / path.name.removesuffix(".gz")
    with gzip.open(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return out


def run_oracle(oracle: Path, *args: str) -> dict:
    proc = subprocess.run(["node", "--max-old-space-size=8000", str(oracle / "oracle.js"), *args,
                           "--quiet"], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def name_of(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".heapsnapshot")


def golden_for_snapshot(oracle: Path, dt: str, path: Path, tmp: Path) -> None:
    plain = plain_copy(path, tmp)
    nodes_file = tmp / "nodes.jsonl"
    summary = run_oracle(oracle, str(plain), "--nodes", str(nodes_file))
    summary["devtools"] = dt
    summary["file"] = str(path.relative_to(ROOT))
    (GOLDEN / f"{name_of(path)}.summary.json").write_text(json.dumps(summary, indent=0) + "\n")
    cols: dict[str, list[int]] = {"id": [], "selfSize": [], "retainedSize": [], "distance": [],
                                  "dominatorId": []}
    with open(nodes_file) as f:
        for line in f:
            row = json.loads(line)
            for key in cols:
                cols[key].append(int(row[key]))
    np.savez_compressed(GOLDEN / f"{name_of(path)}.nodes.npz",
                        devtools=np.array(dt), **{k: np.asarray(v, dtype=np.int64)
                                                  for k, v in cols.items()})


def golden_for_duplicates(oracle: Path, dt: str, path: Path, tmp: Path) -> None:
    plain = plain_copy(path, tmp)
    out = run_oracle(oracle, str(plain), "--duplicate-strings")
    groups = [{"value": g["value"], "count": g["count"], "totalSelfSize": g["totalSelfSize"],
               "totalRetainedSize": g["totalRetainedSize"], "truncated": g["truncated"],
               "length": g.get("length"), "hash": g.get("hash"),
               "ids": [n["id"] for n in g["nodes"]]} for g in out["duplicateStrings"]]
    result = {"devtools": dt, "file": str(path.relative_to(ROOT)), "duplicateStrings": groups}
    (GOLDEN / f"{name_of(path)}.duplicates.json").write_text(json.dumps(result, indent=0) + "\n")


def golden_for_retainers(oracle: Path, dt: str, path: Path, tmp: Path) -> None:
    """The first 200 retainers (DevTools' Retainers-view order) of the 15 nodes with the most
    retainers plus every 997th node."""
    plain = plain_copy(path, tmp)
    gold = np.load(GOLDEN / f"{name_of(path)}.nodes.npz")
    sys.path.insert(0, str(ROOT))
    from leaktui.snapshot import load_snapshot

    snap = load_snapshot(str(path))
    counts = np.diff(snap.first_retainer)
    chosen = list(np.argsort(-counts, kind="stable")[:15]) + list(range(1, snap.node_count, 997))
    result = {"devtools": dt, "file": str(path.relative_to(ROOT)), "retainers": {}}
    for ordinal in chosen:
        node_id = int(gold["id"][int(ordinal)])
        out = run_oracle(oracle, str(plain), "--retainers", str(node_id), "--depth", "1",
                         "--width", "200")
        result["retainers"][str(node_id)] = [[r["edgeName"], r["id"]]
                                             for r in out["retainers"]["items"]]
    (GOLDEN / f"{name_of(path)}.retainers.json").write_text(json.dumps(result) + "\n")


def golden_for_series(oracle: Path, dt: str, series: Path, tmp: Path) -> None:
    files = sorted(series.glob("*.heapsnapshot*"))
    plains = [plain_copy(f, tmp) for f in files]
    for a, b in [(0, 1), (1, 2), (0, 2)]:
        if b >= len(plains):
            continue
        diff = run_oracle(oracle, str(plains[b]), "--diff", str(plains[a]))
        out = {"devtools": dt, "base": str(files[a].relative_to(ROOT)),
               "target": str(files[b].relative_to(ROOT)), "comparison": diff["comparison"]}
        (GOLDEN / f"{series.name}.diff-{a + 1}-{b + 1}.json").write_text(
            json.dumps(out, indent=0) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", default=None)
    parser.add_argument("--only", choices=("duplicates",), default=None,
                        help="regenerate only these goldens")
    args = parser.parse_args()
    oracle = oracle_dir(args.oracle)
    dt = version(oracle)
    if args.only and (GOLDEN / "DEVTOOLS_VERSION").read_text().strip() != dt:
        sys.exit(f"the other goldens are from {(GOLDEN / 'DEVTOOLS_VERSION').read_text().strip()}"
                 f", this oracle is {dt}: regenerate all of them")
    (GOLDEN / "DEVTOOLS_VERSION").write_text(dt + "\n")
    snapshots = sorted((ROOT / "snapshots_sample").glob("*/*.heapsnapshot*"))
    snapshots += sorted((ROOT / "tests" / "data").glob("*.heapsnapshot*"))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for path in snapshots:
            print("golden", path.relative_to(ROOT), file=sys.stderr)
            golden_for_duplicates(oracle, dt, path, tmp)
            if args.only:
                continue
            golden_for_snapshot(oracle, dt, path, tmp)
            if path.parent.name == "data" and path.name.endswith(".gz"):
                golden_for_retainers(oracle, dt, path, tmp)
        for series in sorted(p for p in (ROOT / "snapshots_sample").iterdir()
                             if p.is_dir() and not args.only):
            if len(list(series.glob("*.heapsnapshot*"))) >= 2:
                print("golden diff", series.name, file=sys.stderr)
                golden_for_series(oracle, dt, series, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
